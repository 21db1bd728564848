using System.Linq;
using RnnGen.Generators.Helpers;
using RnnGen.Generators.Planning;
using static RnnGen.Generators.Emitting.Code;

namespace RnnGen.Generators.Emitting;

/// <summary>
/// Dropout, written only for a model that declares it (a model without gets none of this, and no test in its walks):
/// the mask buffers (allocated with the model), <c>Training</c> and <c>DropoutSeed</c>, the draw of a pass's masks, and
/// each dropping layer's mask on its outputs and on their gradient. A masked pass runs one sequence (slot 0):
/// <c>ForwardBatch</c> is inference only. The recurrent layers' masked products are written by <see cref="RecurrentEmitter"/>.
/// </summary>
internal static class DropoutMembers
{
    /// <summary>The model drops anything while training.</summary>
    public static bool Any(ModelPlan plan) => plan.Layers.Any(p => p.Layer.HasDropout || p.Layer.HasRecurrentDropout);

    /// <summary>The model has recurrent dropout: masks drawn once per sequence.</summary>
    public static bool AnyRecurrent(ModelPlan plan) => plan.Layers.Any(p => p.Layer.HasRecurrentDropout);

    public static void WriteFields(IndentedTextWriter w, ModelPlan plan)
    {
        if (!Any(plan)) return;
        w.WriteLine("// Dropout: the masks of the last training pass (each element 0 or 1/(1 − p)), drawn from DropoutSeed.");
        w.WriteLine($"private global::RnnGen.DeterministicRandom _dropoutRandom = {Support}.DropoutRandom(0);");
        w.WriteLine("private ulong _dropoutSeed;");
        if (AnyRecurrent(plan)) w.WriteLine("private bool _recurrentMasksStale = true;   // the next training pass starts a sequence: new recurrent masks");
        w.WriteLine("private bool _masked;                       // the recorded pass applied the masks (Training was true)");
        foreach (LayerPlan p in plan.Layers)
        {
            if (p.Layer.HasDropout)
            {
                w.WriteLine($"private readonly float[] _{p.Field}Mask = new float[{F(plan.Model.MaxSteps * p.Out)}];   // {p.Name} Dropout p = {Float(p.Layer.Dropout)}: [MaxSteps × {F(p.Out)}]");
                w.WriteLine($"private readonly float[] _{p.Field}Dropped = new float[{F(plan.Tile * p.OutStride)}];   // [BatchTile × MaxSteps × {F(p.Out)}] y ⊙ m, what the next layer reads");
            }
            if (p.Layer.HasRecurrentDropout)
            {
                foreach (DirectionPlan d in p.Directions)
                {
                    w.WriteLine($"private readonly float[] _{p.Field}RecurrentMask{d.Direction} = new float[{F(p.H)}];   // {p.Name} {d.Name} RecurrentDropout p = {Float(p.Layer.RecurrentDropout)}: one mask per sequence");
                    w.WriteLine($"private readonly float[] _{p.Field}MaskedH{d.Direction} = new float[{F(plan.Model.MaxSteps * p.H)}];   // [MaxSteps × {F(p.H)}] m ⊙ h(t−1) of each step");
                }
                w.WriteLine($"private readonly float[] _{p.Field}MaskedDh = new float[{F(p.H)}];   // W_hhᵀ·dz before the mask");
            }
        }
        w.WriteLine();
    }

    public static void Write(IndentedTextWriter w, ModelPlan plan)
    {
        if (!Any(plan)) return;
        w.WriteLine("/// <summary>Training mode: while true, Forward and ForwardContinue drop (see <see cref=\"global::RnnGen.IRecurrentNetwork.Training\"/>); Step never does.</summary>");
        w.WriteLine("public bool Training { get; set; }");
        w.WriteLine();
        w.WriteLine("/// <summary>Restarts the dropout masks' generator (see <see cref=\"global::RnnGen.IRecurrentNetwork.DropoutSeed\"/>).</summary>");
        using (w.WriteBlock("public ulong DropoutSeed"))
        {
            w.WriteLine("get => _dropoutSeed;");
            using (w.WriteBlock("set"))
            {
                w.WriteLine("_dropoutSeed = value;");
                w.WriteLine($"_dropoutRandom = {Support}.DropoutRandom(value);");
                if (AnyRecurrent(plan)) w.WriteLine("_recurrentMasksStale = true;");
            }
        }
        w.WriteLine();
        w.WriteLine("/// <summary>The masks of a training pass, in the reference runtime's order: the recurrent masks when a sequence starts");
        w.WriteLine("/// (layer by layer, forward direction then reverse), then each layer's output mask for these steps.</summary>");
        using (w.WriteBlock("private void DrawMasks(int steps)"))
        {
            if (AnyRecurrent(plan))
            {
                using (w.WriteBlock("if (_recurrentMasksStale)"))
                {
                    foreach (LayerPlan p in plan.Layers.Where(p => p.Layer.HasRecurrentDropout))
                        foreach (DirectionPlan d in p.Directions)
                            w.WriteLine($"{Support}.DrawDropoutMask(ref _dropoutRandom, {Float(p.Layer.RecurrentDropout)}, _{p.Field}RecurrentMask{d.Direction});");
                    w.WriteLine("_recurrentMasksStale = false;");
                }
            }
            foreach (LayerPlan p in plan.Layers.Where(p => p.Layer.HasDropout))
                w.WriteLine($"{Support}.DrawDropoutMask(ref _dropoutRandom, {Float(p.Layer.Dropout)}, new {Span}(_{p.Field}Mask, 0, {Times("steps", p.Out)}));");
        }
        w.WriteLine();
        foreach (LayerPlan p in plan.Layers.Where(p => p.Layer.HasDropout))
        {
            string length = Times("steps", p.Out);
            w.WriteLine($"/// <summary>{p.Name} Dropout: what the next layer reads, y ⊙ m in a training pass (one sequence), else y itself.</summary>");
            using (w.WriteBlock($"private void {p.Name}Dropout(int batch, int steps)"))
            {
                w.WriteLine($"if (_masked) {Support}.Mask(new {ReadOnlySpan}(_{p.Field}Out, 0, {length}), _{p.Field}Mask, new {Span}(_{p.Field}Dropped, 0, {length}));");
                w.WriteLine($"else for (int b = 0; b < batch; b++) new {ReadOnlySpan}(_{p.Field}Out, {Times("b", p.OutStride)}, {length}).CopyTo(new {Span}(_{p.Field}Dropped, {Times("b", p.OutStride)}, {length}));");
            }
            w.WriteLine();
            w.WriteLine($"/// <summary>{p.Name} Dropout back: dL/dy = dL/d(y ⊙ m) ⊙ m, in place, after a training pass.</summary>");
            using (w.WriteBlock($"private void {p.Name}DropoutBackward(int steps)"))
            {
                w.WriteLine($"var dy = new {Span}(_{p.Field}OutGradient, 0, {length});");
                w.WriteLine($"if (_masked) {Support}.Mask(dy, _{p.Field}Mask, dy);");
            }
            w.WriteLine();
        }
    }

    /// <summary>Run's start: record whether this pass drops, and draw its masks.</summary>
    public static void WriteRunStart(IndentedTextWriter w, ModelPlan plan)
    {
        if (!Any(plan)) return;
        w.WriteLine("_masked = Training;   // ForwardBatch refuses Training: a masked pass is one sequence");
        w.WriteLine("if (_masked) DrawMasks(steps);");
    }
}
