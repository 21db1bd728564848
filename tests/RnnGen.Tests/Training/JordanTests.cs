using RnnGen.Optimization;
using RnnGen.Tests.Generated.Matrix;
using RnnGen.Tests.Helpers;
using RnnGen.Training;

namespace RnnGen.Tests.Training;

/// <summary>A Jordan network: the hidden layer reads the previous output instead of the previous hidden state.</summary>
[RnnModel(InputSize = 2, MaxSteps = 64)]
[Dense(24, Activation.Tanh)]
[Dense(2)]
public partial class RotationJordan;

/// <summary>Recurrence through outputs: teacher forcing in training, free running at inference.</summary>
public sealed class JordanTests
{
    /// <summary>With teacher forcing every step's input is known in advance, so the steps are independent: any order,
    /// one at a time or all at once, gives the same outputs and the same gradients.</summary>
    [Fact]
    public void Teacher_forced_steps_are_independent_and_can_run_in_any_order()
    {
        var net = new JordanTanh16();
        net.InitializeParameters(seed: 3);
        Assert.Equal(0, JordanTanh16.StateSize);   // no hidden recurrence: nothing is carried between steps
        const int steps = 9;
        float[] exogenous = Numerics.Random<float>(steps, 1);
        float[] targets = Numerics.Random<float>(steps * 2, 2);
        float[] inputs = TeacherForcing.Inputs(exogenous, 1, targets, 2, steps);
        var all = new float[steps * 2];
        net.Forward(inputs, steps, all);
        net.ZeroGradients();
        net.Backward(targets);
        float[] together = net.Gradients.ToArray();

        var one = new float[2];
        var gradients = new float[JordanTanh16.ParameterCount];
        foreach (int t in new[] { 5, 0, 8, 2, 7, 1, 4, 6, 3 })   // shuffled
        {
            net.Forward(inputs.AsSpan(t * 3, 3), 1, one);
            Assert.Equal(all.AsSpan(t * 2, 2).ToArray(), one);
            net.ZeroGradients();
            net.Backward(targets.AsSpan(t * 2, 2));
            for (int i = 0; i < gradients.Length; i++) gradients[i] += net.Gradients[i] / steps;   // Mean over the steps
        }
        Numerics.AssertClose<float, float>(together, gradients, "sum of per-step gradients", 1e-4, 1e-6);
    }

    /// <summary>Learns the rotation y(t) = R·y(t−1) of a point on the unit circle from teacher-forced windows, then runs
    /// free for 100 steps feeding back its own outputs.</summary>
    [Fact]
    public void Learns_with_teacher_forcing_and_runs_free_on_its_own_outputs()
    {
        const double angle = 0.3;
        float[] Circle(int from, int count)
        {
            var y = new float[count * 2];
            for (int t = 0; t < count; t++) { y[2 * t] = (float)Math.Cos(angle * (from + t)); y[2 * t + 1] = (float)Math.Sin(angle * (from + t)); }
            return y;
        }
        var net = new RotationJordan();
        net.InitializeParameters(seed: 1);
        var adam = new Adam(0.01f);
        var outputs = new float[64 * 2];
        var random = new DeterministicRandom(5);
        for (int update = 0; update < 600; update++)
        {
            int from = random.NextInt(1000);
            float[] targets = Circle(from, 64);
            float[] inputs = TeacherForcing.Inputs([], 0, targets, 2, 64, start: Circle(from - 1, 1));
            net.ZeroGradients();
            net.Forward(inputs, 64, outputs);
            net.Backward(targets);
            adam.Step(net.Parameters, net.Gradients);
        }
        var free = new float[100 * 2];
        TeacherForcing.FreeRun(net, [], 0, 100, free, start: Circle(-1, 1));
        float[] truth = Circle(0, 100);
        double worst = 0;
        for (int i = 0; i < free.Length; i++) worst = Math.Max(worst, Math.Abs(free[i] - truth[i]));
        Assert.True(worst < 0.15, $"largest free-running error over 100 steps: {worst:G3}");
    }
}
