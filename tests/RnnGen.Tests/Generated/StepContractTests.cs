using System.Reflection;
using RnnGen.Tests.Generated.Matrix;

namespace RnnGen.Tests.Generated;

/// <summary>
/// One contract for <c>Step</c> and <c>Backward</c> on both sides of <see cref="IRecurrentNetwork"/>: a step records
/// nothing for <c>Backward</c>, a bidirectional model cannot be stepped, and a generated class shows only the members
/// that work for its declaration (the others implement the interfaces explicitly and throw).
/// </summary>
public sealed class StepContractTests
{
    public static TheoryData<string> Models() => [.. MatrixModels.All.Select(m => m.Name)];

    private static IEnumerable<IRecurrentNetwork> BothSides(string name)
    {
        IRecurrentNetwork generated = MatrixModels.All.Single(m => m.Name == name).Create();
        generated.InitializeParameters(4);
        var reference = new ReferenceNetwork(generated.Spec);
        reference.InitializeParameters(4);
        return [generated, reference];
    }

    private static void Step(IRecurrentNetwork net, GeneratedParityTests.Inputs inputs, Span<float> output)
    {
        if (net.Spec.UsesTokens) net.Step(inputs.Tokens[0], output);
        else net.Step(inputs.Floats.AsSpan(0, net.Spec.InputSize), output);
    }

    [Theory, MemberData(nameof(Models))]
    public void Backward_after_a_step_throws_and_says_what_to_call(string name)
    {
        foreach (IRecurrentNetwork net in BothSides(name))
        {
            NetworkSpec spec = net.Spec;
            if (!GeneratedParityTests.Streams(spec)) continue;   // no Step at all (see the next test)
            string side = net is ReferenceNetwork ? "reference" : "generated";
            var inputs = GeneratedParityTests.MakeInputs(spec, spec.MaxSteps, 3);
            var outputs = new float[inputs.OutputSteps * spec.OutputSize];
            var one = new float[spec.OutputSize];

            var before = Assert.Throws<InvalidOperationException>(() => GeneratedParityTests.Backward(net, inputs));
            Assert.Contains("call Forward", before.Message);

            GeneratedParityTests.ForwardContinue(net, inputs, spec.MaxSteps, outputs);
            Step(net, inputs, one);
            var after = Assert.Throws<InvalidOperationException>(() => GeneratedParityTests.Backward(net, inputs));
            Assert.Contains("call Forward", after.Message);
            Assert.Contains("Step records nothing", after.Message);

            // A new forward pass records again, and its gradients are those of that pass alone.
            net.ResetState();
            GeneratedParityTests.ForwardContinue(net, inputs, spec.MaxSteps, outputs);
            net.ZeroGradients();
            float loss = GeneratedParityTests.Backward(net, inputs);
            float[] gradients = net.Gradients.ToArray();
            net.ResetState();
            GeneratedParityTests.ForwardContinue(net, inputs, spec.MaxSteps, outputs);
            net.ZeroGradients();
            Assert.Equal(loss, GeneratedParityTests.Backward(net, inputs));
            Assert.True(gradients.AsSpan().SequenceEqual(net.Gradients), $"{name} {side}: gradients after a step and a new Forward");
        }
    }

    [Theory, MemberData(nameof(Models))]
    public void A_bidirectional_model_cannot_be_stepped_and_says_why(string name)
    {
        foreach (IRecurrentNetwork net in BothSides(name))
        {
            if (GeneratedParityTests.Streams(net.Spec)) continue;
            var inputs = GeneratedParityTests.MakeInputs(net.Spec, 2, 3);
            var e = Assert.Throws<NotSupportedException>(() => Step(net, inputs, new float[net.Spec.OutputSize]));
            Assert.Contains("bidirectional", e.Message);
            Assert.Contains("depends on the steps after it", e.Message);
            Assert.Contains("Forward", e.Message);
        }
    }

    [Theory, MemberData(nameof(Models))]
    public void A_generated_class_shows_only_the_members_that_work_for_it(string name)
    {
        IRecurrentNetwork net = MatrixModels.All.Single(m => m.Name == name).Create();
        NetworkSpec spec = net.Spec;
        Type type = net.GetType();
        bool tokens = spec.UsesTokens, classes = spec.Loss == LossKind.CrossEntropy, streams = GeneratedParityTests.Streams(spec);
        Type floats = typeof(ReadOnlySpan<float>), ints = typeof(ReadOnlySpan<int>);
        Type input = tokens ? ints : floats;
        Type other = tokens ? floats : ints;

        bool Public(string method, params Type[] parameters) =>
            type.GetMethod(method, BindingFlags.Public | BindingFlags.Instance, parameters) is not null;

        Assert.True(Public("Forward", input, typeof(int), typeof(Span<float>)), $"{name}: Forward");
        Assert.False(Public("Forward", other, typeof(int), typeof(Span<float>)), $"{name}: Forward of the wrong input kind is public");
        Assert.True(Public("ForwardContinue", input, typeof(int), typeof(Span<float>)));
        Assert.False(Public("ForwardContinue", other, typeof(int), typeof(Span<float>)));
        Assert.Equal(classes, Public("Backward", ints));
        Assert.Equal(!classes, Public("Backward", floats));
        Assert.Equal(classes, Public("BackwardBatch", ints));
        Assert.Equal(!classes, Public("BackwardBatch", floats));
        Assert.Equal(streams, Public("Step", tokens ? typeof(int) : floats, typeof(Span<float>)));
        Assert.False(Public("Step", tokens ? floats : typeof(int), typeof(Span<float>)));
        Assert.Equal(streams, type.GetMethods().Any(m => m.Name == "Step" && m.GetParameters()[0].ParameterType.IsByRef));

        // Through the interface, the hidden members throw and name the one to call.
        var inputs = GeneratedParityTests.MakeInputs(spec, 2, 1);
        if (classes) Assert.Contains("Backward(ReadOnlySpan<int>)", Assert.Throws<InvalidOperationException>(() => net.Backward(inputs.Targets)).Message);
        else Assert.Contains("Backward(ReadOnlySpan<float>)", Assert.Throws<InvalidOperationException>(() => net.Backward(inputs.ClassIds)).Message);
    }
}
