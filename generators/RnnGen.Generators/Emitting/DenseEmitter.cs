using RnnGen.Generators.Helpers;
using RnnGen.Generators.Model;
using RnnGen.Generators.Planning;
using static RnnGen.Generators.Emitting.Code;

namespace RnnGen.Generators.Emitting;

/// <summary>Dense: z = W·x + b, y = act(z), over every step of a sequence at once; dW, db and dx from dz.</summary>
internal sealed class DenseEmitter(ModelPlan model, LayerPlan plan) : LayerEmitter(model, plan)
{
    private DirectionPlan D => P.Directions[0];
    private int U => P.H;
    private Activation A => P.Layer.Activation;

    public override bool WritesStepBuffer => !IsLast;

    public override string WriteStep(IndentedTextWriter w, string x, string buffer)
    {
        string y = WritesStepBuffer ? $"{buffer}.Slice(0, {F(U)})" : "output";
        w.WriteLine($"{P.Name}Dense(k, {x}, gates.Slice(0, {F(U)}), {y});");
        return WritesStepBuffer ? $"{buffer}.Slice(0, {F(P.Out)})" : "output";
    }

    /// <summary>The element range of step t of slot b in a buffer of per-step width <paramref name="width"/>.</summary>
    private static string At(int stride, int width) => $"{Times("b", stride)} + {Times("t", width)}, {F(width)}";

    protected override void WriteForwardBody(IndentedTextWriter w)
    {
        string u = F(U), inw = F(P.In);
        w.WriteLine($"{Span} pre = _{P.Field}Pre;");
        w.WriteLine($"{ReadOnlySpan} weights = k.Slice({Range(D.PackedInput!)}), bias = k.Slice({Range(D.PackedBias!)});");
        foreach (string line in BlockMatrix.Of(P)) w.WriteLine(line);
        using (w.WriteBlock("for (int b = 0; b < batch; b++)"))
        {
            w.WriteLine("// z(t) = W·x(t) + b for every step of the sequence at once (each weight block loaded once)");
            w.WriteLine($"for (int t = 0; t < steps; t++) bias.CopyTo(pre.Slice({At(P.PreStride, U)}));");
            w.WriteLine($"{K}.PackedMatMatAdd(weights, input, {Times("b", P.InputStride)}, {inw}, pre, {Times("b", P.PreStride)}, {u}, steps, {u}, {inw});   // Wᵀ [{inw} × {u}]");
            w.WriteLine($"for (int t = 0; t < steps; t++) {P.Name}Activation(pre.Slice({At(P.PreStride, U)}), output.Slice({At(P.OutStride, U)}));");
        }
    }

    protected override void WriteBackwardBody(IndentedTextWriter w)
    {
        string sp = F(P.PreStride), si = F(P.InputStride), u = F(U), inw = F(P.In);
        w.WriteLine($"{Span} dz = _{P.Field}Dz;");
        using (w.WriteBlock("for (int b = 0; b < batch; b++)"))
        using (w.WriteBlock("for (int t = 0; t < steps; t++)"))
            w.WriteLine($"{P.Name}DenseDz(new {ReadOnlySpan}(_{P.Field}Out, {At(P.OutStride, U)}), dOut.Slice({At(P.OutStride, U)}), dz.Slice({At(P.PreStride, U)}));");
        w.WriteLine("// dW += Σ_b Σ_t dz(t)·x(t)ᵀ;  db += Σ dz(t)   (every step of every sequence in one pass over the gradient)");
        w.WriteLine($"{K}.AddOuterProducts(g.Slice({Range(D.Input)}), dz, 0, {u}, input, 0, {inw}, steps, {u}, {inw}, batch, {sp}, {si});");
        w.WriteLine($"{K}.AddStridedSum(g.Slice({Range(D.Bias!)}), dz, 0, {u}, steps, batch, {sp});");
        w.WriteLine("// dx(t) = Wᵀ·dz(t), every step of a sequence at once");
        using (w.WriteBlock("for (int b = 0; b < batch; b++)"))
            w.WriteLine($"{K}.PackedMatMatAdd(kb.Slice({Range(D.Input)}), dz, {Times("b", P.PreStride)}, {u}, dIn, {Times("b", P.InputStride)}, {inw}, steps, {inw}, {u});   // Wᵀ packed");
    }

    public override void WriteCells(IndentedTextWriter w)
    {
        string u = F(U), inw = F(P.In);
        if (P.Streaming)
        {
            w.WriteLine($"/// <summary>{P.Name}: y = {(A == Activation.Identity ? "" : A.ToString().ToLowerInvariant())}(W·x + b), {inw} → {u} (one step, for streaming; inlined into <c>Step</c>).</summary>");
            w.WriteLine(MethodImpl);
            using (w.WriteBlock($"private static void {P.Name}Dense({ReadOnlySpan} k, {ReadOnlySpan} x, {Span} pre, {Span} y)"))
            {
                foreach (string line in BlockMatrix.Of(P)) w.WriteLine(line);
                w.WriteLine($"k.Slice({Range(D.PackedBias!)}).CopyTo(pre);");
                w.WriteLine($"{K}.PackedMatVecAdd(k.Slice({Range(D.PackedInput!)}), x, pre, {u}, {inw});   // Wᵀ [{inw} × {u}]");
                w.WriteLine($"{P.Name}Activation(pre, y);");
            }
            w.WriteLine();
        }
        w.WriteLine($"/// <summary>{P.Name}: y = {(A == Activation.Identity ? "z" : A.ToString().ToLowerInvariant() + "(z)")} for one step.</summary>");
        w.WriteLine(MethodImpl);
        using (w.WriteBlock($"private static void {P.Name}Activation({ReadOnlySpan} pre, {Span} y)"))
            w.WriteLine(A == Activation.Identity ? "pre.CopyTo(y);" : $"{Act}.{A}(pre, y);");
        w.WriteLine();
        w.WriteLine($"/// <summary>{P.Name} back, one step: dz = dL/d(W·x + b){(P.GradientIsPreActivation ? " (the loss hands back dz: it reads the logits)" : "")}.</summary>");
        w.WriteLine(MethodImpl);
        using (w.WriteBlock($"private static void {P.Name}DenseDz({ReadOnlySpan} y, {ReadOnlySpan} dy, {Span} dz)"))
        {
            if (P.GradientIsPreActivation || A == Activation.Identity)
                w.WriteLine("dy.CopyTo(dz);");
            else if (A == Activation.Softmax)
            {
                w.WriteLine("// dz = y ⊙ (dy − (dy·y))");
                w.WriteLine("float dot = 0f;");
                w.WriteLine($"for (int j = 0; j < {u}; j++) dot += dy[j] * y[j];");
                w.WriteLine($"for (int j = 0; j < {u}; j++) dz[j] = y[j] * (dy[j] - dot);");
            }
            else
            {
                string derivative = A switch
                {
                    Activation.Tanh => "dy[j] * (1f - y[j] * y[j])",
                    Activation.Sigmoid => "dy[j] * y[j] * (1f - y[j])",
                    _ => "y[j] > 0f ? dy[j] : 0f",
                };
                w.WriteLine($"// dz = dy ⊙ {A.ToString().ToLowerInvariant()}'(z)");
                w.WriteLine($"for (int j = 0; j < {u}; j++) dz[j] = {derivative};");
            }
        }
        w.WriteLine();
    }

    public override void WritePacking(IndentedTextWriter w)
    {
        string u = F(U), inw = F(P.In);
        w.WriteLine($"// {P.Name}: Wᵀ, b");
        w.WriteLine($"{K}.Transpose(p.Slice({Range(D.Input)}), k.Slice({Range(D.PackedInput!)}), {u}, {inw});");
        w.WriteLine($"{K}.PackTransposed(p.Slice({Range(D.Input)}), kb.Slice({Range(D.Input)}), {u}, {inw});   // backward: W packed for dx = Wᵀ·dz");
        w.WriteLine($"p.Slice({Range(D.Bias!)}).CopyTo(k.Slice({Range(D.PackedBias!)}));");
    }
}
