// The adding problem (Hochreiter & Schmidhuber, 1997): each step carries a random value in [0, 1) and a marker;
// exactly two steps are marked, and the target at the end is the sum of their two values. Predicting the mean
// (1.0) scores MSE ≈ 0.167; learning to remember the marked values drives the error towards zero.
//
// This demo trains the reference runtime (RnnGen.ReferenceNetwork) with Adam and gradient clipping.
//   dotnet run --project samples/AddingProblem -c Release                    (defaults below)
//   dotnet run --project samples/AddingProblem -c Release -- --steps 50 --hidden 32 --updates 5000

using System.Diagnostics;
using RnnGen;
using RnnGen.Optimization;

var options = Options.Parse(args);
if (options is null) return 2;

var spec = new NetworkSpec(
    inputSize: 2,
    layers: [LayerSpec.Lstm(options.Hidden), LayerSpec.Dense(1)],
    maxSteps: options.Steps,
    output: OutputMode.LastStep,
    loss: LossKind.MeanSquaredError);
var network = new ReferenceNetwork(spec);
network.InitializeParameters(options.Seed);
var optimizer = new Adam(options.LearningRate);
var random = new DeterministicRandom((ulong)options.Seed + 1);

Console.WriteLine($"RnnGen demo — the adding problem, T = {options.Steps}");
Console.WriteLine($"network   {spec}  ({spec.ParameterCount:N0} parameters, reference runtime)");
Console.WriteLine($"training  Adam lr {options.LearningRate}, batch {options.Batch}, clip {options.Clip}; goal: moving-average MSE < {options.Goal} (predicting the mean scores 0.167)");

var inputs = new float[options.Steps * 2];
var target = new float[1];
var output = new float[1];
var clock = Stopwatch.StartNew();
double average = double.NaN;
int update;
bool interactive = !Console.IsOutputRedirected;
for (update = 1; update <= options.Updates; update++)
{
    network.ZeroGradients();
    double batchLoss = 0;
    for (int b = 0; b < options.Batch; b++)
    {
        target[0] = MakeExample(inputs, options.Steps, ref random);
        network.Forward(inputs, options.Steps, output);
        batchLoss += network.Backward(target);
    }
    Span<float> gradients = network.Gradients;
    for (int i = 0; i < gradients.Length; i++) gradients[i] /= options.Batch;   // mean over the batch
    GradientClipping.ClipByGlobalNorm(gradients, options.Clip);
    optimizer.Step(network.Parameters, gradients);

    batchLoss /= options.Batch;
    average = double.IsNaN(average) ? batchLoss : 0.98 * average + 0.02 * batchLoss;
    if (update % 25 == 0 || average < options.Goal)
    {
        string line = $"update {update,5}  batch MSE {batchLoss,8:F5}  moving avg {average,8:F5}  {clock.Elapsed.TotalSeconds,6:F1} s";
        if (interactive) Console.Write("\r" + line); else Console.WriteLine(line);
    }
    if (average < options.Goal && update >= 50) break;
}
if (interactive) Console.WriteLine();

// Held-out check on fresh sequences.
double testLoss = 0, baseline = 0;
const int testCount = 500;
for (int i = 0; i < testCount; i++)
{
    float sum = MakeExample(inputs, options.Steps, ref random);
    network.Forward(inputs, options.Steps, output);
    testLoss += (output[0] - sum) * (output[0] - sum);
    baseline += (1.0 - sum) * (1.0 - sum);
}
bool solved = average < options.Goal;
Console.WriteLine($"{(solved ? "solved" : "not solved")} after {Math.Min(update, options.Updates)} updates in {clock.Elapsed.TotalSeconds:F1} s");
Console.WriteLine($"held-out MSE {testLoss / testCount:F5} on {testCount} new sequences (predicting the mean: {baseline / testCount:F5})");
return 0;

// Fills inputs [steps × 2] with (value, marker) pairs and returns the target (sum of the two marked values).
static float MakeExample(Span<float> inputs, int steps, ref DeterministicRandom random)
{
    int first = random.NextInt(steps / 2);
    int second = steps / 2 + random.NextInt(steps - steps / 2);
    float sum = 0;
    for (int t = 0; t < steps; t++)
    {
        float value = (float)random.NextDouble();
        bool marked = t == first || t == second;
        inputs[2 * t] = value;
        inputs[2 * t + 1] = marked ? 1f : 0f;
        if (marked) sum += value;
    }
    return sum;
}

sealed record Options(int Steps, int Hidden, int Batch, int Updates, float LearningRate, float Clip, double Goal, int Seed)
{
    public static Options? Parse(string[] args)
    {
        var o = new Options(Steps: 20, Hidden: 16, Batch: 16, Updates: 4000, LearningRate: 1e-2f, Clip: 1f, Goal: 0.01, Seed: 42);
        for (int i = 0; i < args.Length; i++)
        {
            string name = args[i];
            if (name is "-h" or "--help")
            {
                Console.WriteLine("options: --steps T (20)  --hidden H (16)  --batch B (16)  --updates N (4000)  --lr X (0.01)  --clip X (1)  --seed S (42)");
                return null;
            }
            if (i + 1 >= args.Length) { Console.Error.WriteLine($"{name} needs a value (see --help)"); return null; }
            string v = args[++i];
            try
            {
                o = name switch
                {
                    "--steps" => o with { Steps = Positive(name, int.Parse(v)) },
                    "--hidden" => o with { Hidden = Positive(name, int.Parse(v)) },
                    "--batch" => o with { Batch = Positive(name, int.Parse(v)) },
                    "--updates" => o with { Updates = Positive(name, int.Parse(v)) },
                    "--lr" => o with { LearningRate = float.Parse(v, System.Globalization.CultureInfo.InvariantCulture) },
                    "--clip" => o with { Clip = float.Parse(v, System.Globalization.CultureInfo.InvariantCulture) },
                    "--seed" => o with { Seed = int.Parse(v) },
                    _ => throw new FormatException($"unknown option {name} (see --help)"),
                };
            }
            catch (Exception e) when (e is FormatException or OverflowException or ArgumentException)
            {
                Console.Error.WriteLine($"{name} {v}: {e.Message}");
                return null;
            }
        }
        if (o.Steps < 2) { Console.Error.WriteLine("--steps must be at least 2"); return null; }
        return o;
    }

    private static int Positive(string name, int value) =>
        value > 0 ? value : throw new ArgumentException($"{name} must be positive");
}
