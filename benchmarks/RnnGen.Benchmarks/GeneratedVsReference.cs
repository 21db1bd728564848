namespace RnnGen.Benchmarks;

/// <summary>
/// Generated model vs the reference runtime on the same network (input → recurrent(hidden) → Dense(input)), per step:
/// a streaming <c>Step</c>, a 64-step <c>Forward</c>, and <c>Forward</c> + <c>Backward</c> (MSE) over 64 steps.
/// Sequence benchmarks report time per step (OperationsPerInvoke = 64).
/// </summary>
[Suite("GeneratedVsReference", warmupCount: 3, iterationCount: 8)]
public class GeneratedVsReference
{
    private const int Steps = 64;
    private IRecurrentNetwork _network = null!;
    private float[] _inputs = null!, _outputs = null!, _targets = null!, _stepOutput = null!;

    [Params("Lstm", "Gru", "Rnn")]
    public string Kind { get; set; } = "Lstm";

    [Params("1,8", "8,32", "32,64", "64,128", "128,256")]
    public string Shape { get; set; } = "1,8";

    [Params("generated", "reference")]
    public string Runtime { get; set; } = "generated";

    [GlobalSetup]
    public void Setup()
    {
        int input = int.Parse(Shape.Split(',')[0]), hidden = int.Parse(Shape.Split(',')[1]);
        IRecurrentNetwork generated = Models.Create(Kind, input, hidden);
        _network = Runtime == "generated" ? generated : new ReferenceNetwork(generated.Spec);
        _network.InitializeParameters(1);
        var random = new DeterministicRandom(2);
        _inputs = Enumerable.Range(0, Steps * input).Select(_ => (float)random.NextNormal()).ToArray();
        _targets = Enumerable.Range(0, Steps * input).Select(_ => (float)random.NextNormal()).ToArray();
        _outputs = new float[Steps * input];
        _stepOutput = new float[input];
    }

    [Benchmark]
    public void Step() => _network.Step(_inputs.AsSpan(0, _stepOutput.Length), _stepOutput);

    [Benchmark(OperationsPerInvoke = Steps)]
    public void Forward() => _network.Forward(_inputs, Steps, _outputs);

    [Benchmark(OperationsPerInvoke = Steps)]
    public float ForwardBackward()
    {
        _network.Forward(_inputs, Steps, _outputs);
        return _network.Backward(_targets);
    }
}
