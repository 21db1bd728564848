using RnnGen.Tests.Generated.Matrix;
using RnnGen.Tests.Helpers;

namespace RnnGen.Tests.Generated;

/// <summary>Generated models allocate nothing after construction: 10,000 streaming steps (models without a
/// bidirectional layer), and Forward + Backward
/// of MaxSteps, leave GC.GetAllocatedBytesForCurrentThread unchanged. The runtime may allocate once while it
/// re-compiles hot methods (tiered JIT), so each workload is measured up to three times and one complete run must
/// allocate exactly 0 bytes; an allocation made by the code itself recurs in every run and fails.</summary>
public sealed class AllocationTests
{
    public static TheoryData<string> Models() => [.. MatrixModels.All.Select(m => m.Name)];

    [Theory, MemberData(nameof(Models))]
    public void Steady_state_step_forward_and_backward_allocate_nothing(string name)
    {
        IRecurrentNetwork net = MatrixModels.All.Single(m => m.Name == name).Create();
        net.InitializeParameters(3);
        NetworkSpec spec = net.Spec;
        GeneratedParityTests.Inputs inputs = GeneratedParityTests.MakeInputs(spec, spec.MaxSteps, 7);
        var outputs = new float[inputs.OutputSteps * spec.OutputSize];
        var step = new float[spec.OutputSize];
        float[] one = inputs.Floats.AsSpan(0, spec.InputSize).ToArray();

        void Steps(int count)
        {
            for (int i = 0; i < count; i++)
            {
                if (spec.UsesTokens) net.Step(inputs.Tokens[i % spec.MaxSteps], step);
                else net.Step(one, step);
            }
        }
        void Sequence()
        {
            if (spec.UsesTokens) net.Forward(inputs.Tokens, spec.MaxSteps, outputs);
            else net.Forward(inputs.Floats, spec.MaxSteps, outputs);
            GeneratedParityTests.Backward(net, inputs);
        }

        bool streams = GeneratedParityTests.Streams(spec);   // a bidirectional model has no Step
        if (streams) Steps(100);
        Sequence();
        if (streams) Assert.Equal(0, Allocations.SteadyState(() => Steps(10_000)));
        Assert.Equal(0, Allocations.SteadyState(() => { for (int i = 0; i < 20; i++) Sequence(); }));
    }

}
