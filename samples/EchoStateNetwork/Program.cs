// Echo state network: a fixed random reservoir of 400 tanh units (sparse W_hh rescaled to spectral radius 0.95) reads
// the chaotic Mackey–Glass series (τ = 17, generated here); only the linear readout is learned, in closed form by
// ridge regression (EchoState.FitReadout), to predict the next value. The model then runs free — its own prediction
// fed back as the next input — for 84 steps from many points of a held-out stretch, and the sample reports the
// normalised error (NRMSE) of those multi-step predictions against two baselines: the last seen value and the mean.
//   dotnet run --project samples/EchoStateNetwork -c Release
//   dotnet run --project samples/EchoStateNetwork -c Release -- --horizon 50 --ridge 1e-6 --seed 3

using System.Diagnostics;
using RnnGen;
using RnnGen.Samples;
using RnnGen.Training;
using Spectre.Console;

const string help = """
    Echo state network on the Mackey–Glass series: ridge-regression readout, free-running prediction.
    options:  --horizon H (84)   --ridge λ (1e-7)   --seed S (1)   --train N (3000)
    """;
Arguments? arguments = Arguments.Parse(args, help);
if (arguments is null) return 2;
int horizon, seed, trainSteps;
double ridge;
try
{
    horizon = arguments.Int("horizon", 84, min: 1);
    seed = arguments.Int("seed", 1, min: 0);
    trainSteps = arguments.Int("train", 3000, min: 500);
    ridge = arguments.Float("ridge", 1e-7f, min: 0f);
    arguments.RejectUnknown();
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

const int washout = 200, warmUp = 300, trials = 40, spacing = 50;
const int GeneratedSteps = 5_000, ReferenceSteps = 250;   // the reference step is some 20× slower
int testLength = warmUp + (trials - 1) * spacing + horizon + 1;
double[] raw = MackeyGlass(trainSteps + 1 + testLength);
double mean = raw.Take(trainSteps).Average(), deviation = Math.Sqrt(raw.Take(trainSteps).Average(v => (v - mean) * (v - mean)));
float[] series = raw.Select(v => (float)((v - mean) / deviation)).ToArray();   // standardised with the training part

AnsiConsole.MarkupLine("[bold]RnnGen — echo state network[/]");
AnsiConsole.MarkupLine($"{Markup.Escape(MackeyGlassEsn.Spec.ToString())}, {MackeyGlassEsn.ParameterCount:N0} parameters, of which {MackeyGlassEsn.OutputSize * 401} learned (the readout)");
AnsiConsole.MarkupLine($"series: Mackey–Glass (τ = 17, sampled every 1 time unit), {trainSteps:N0} training steps (washout {washout}), then {trials} free-running tests of {horizon} steps");

var esn = new MackeyGlassEsn();
esn.InitializeParameters(seed);
var clock = Stopwatch.StartNew();
ReadoutFit fit = EchoState.FitReadout(esn, series.AsSpan(0, trainSteps), series.AsSpan(1, trainSteps), trainSteps, washout, ridge);
double fitSeconds = clock.Elapsed.TotalSeconds;
AnsiConsole.MarkupLine($"readout fitted in {fitSeconds:F2} s on {fit.Samples:N0} states: one-step training NRMSE {fit.TrainingNrmse:G3}");

// Multi-step prediction from `trials` points of the held-out part: teacher-forced warm-up from a zero state, then free run.
double squaredAtHorizon = 0, squaredAll = 0, persistenceAtHorizon = 0, persistenceAll = 0;
var y = new float[1];
var input = new float[1];
for (int k = 0; k < trials; k++)
{
    int start = trainSteps + 1 + k * spacing;           // first warm-up value
    int origin = start + warmUp - 1;                     // last value the model sees
    esn.ResetState();
    for (int t = start; t <= origin; t++) esn.Step(series.AsSpan(t, 1), y);   // y: prediction of origin + 1
    for (int s = 1; s <= horizon; s++)
    {
        float actual = series[origin + s];
        double error = y[0] - actual, persistence = series[origin] - actual;
        squaredAll += error * error;
        persistenceAll += persistence * persistence;
        if (s == horizon)
        {
            squaredAtHorizon += error * error;
            persistenceAtHorizon += persistence * persistence;
        }
        input[0] = y[0];
        esn.Step(input, y);                              // its own prediction is the next input
    }
}
// The series is standardised with the training part: the mean forecast (0) scores NRMSE ≈ 1.
double nrmse = Math.Sqrt(squaredAtHorizon / trials), nrmseAll = Math.Sqrt(squaredAll / (trials * horizon));
double persistence84 = Math.Sqrt(persistenceAtHorizon / trials), persistenceAllSteps = Math.Sqrt(persistenceAll / (trials * horizon));
var table = new Table().AddColumns("forecast", $"NRMSE at step {horizon}", $"NRMSE over steps 1…{horizon}");
table.AddRow("echo state network (free-running)", $"{nrmse:G3}", $"{nrmseAll:G3}");
table.AddRow("last value seen (persistence)", $"{persistence84:G3}", $"{persistenceAllSteps:G3}");
table.AddRow("the training mean", "≈ 1", "≈ 1");
AnsiConsole.Write(table);

// The reservoir update is generated code: compare its streaming step with the reference runtime's (a fixed number of
// steps each, so that the timing takes about a second; the line before it says what the pause is).
AnsiConsole.MarkupLine($"timing the streaming step, generated code against the reference runtime ({GeneratedSteps:N0} and {ReferenceSteps:N0} steps, best of 5)…");
var reference = new ReferenceNetwork(MackeyGlassEsn.Spec);
esn.Parameters.CopyTo(reference.Parameters);
double generatedNs = StepNanoseconds(esn, GeneratedSteps), referenceNs = StepNanoseconds(reference, ReferenceSteps);
AnsiConsole.MarkupLine($"streaming step (reservoir update + readout): generated {generatedNs:F0} ns, reference runtime {referenceNs:F0} ns ({referenceNs / generatedNs:F1}× faster)");

bool learned = nrmse < 0.5 * persistence84 && nrmse < 0.2;
AnsiConsole.MarkupLine(learned
    ? $"[green]learned[/]: {horizon}-step free-running NRMSE {nrmse:G3}, {persistence84 / nrmse:F0}× lower than persistence ({persistence84:G3}) and {1 / nrmse:F0}× lower than the mean."
    : $"[yellow]not learned[/]: {horizon}-step NRMSE {nrmse:G3} against {persistence84:G3} for persistence; try another --seed or --ridge.");
return learned ? 0 : 1;

// Mackey–Glass: dx/dt = 0.2·x(t − τ) / (1 + x(t − τ)¹⁰) − 0.1·x(t), τ = 17, by 4th-order Runge–Kutta with step
// 0.1 (the delayed term linearly interpolated between stored half-steps), sampled every 1 time unit after a
// 1,000-unit transient from x = 1.2.
static double[] MackeyGlass(int count)
{
    const double dt = 0.1, tau = 17;
    const int perUnit = 10, delaySteps = (int)(tau / dt), transient = 1000;
    int total = (transient + count) * perUnit;
    var x = new double[total + 1];
    x[0] = 1.2;
    double Delayed(int i, double fraction)
    {
        int j = i - delaySteps;
        double a = j >= 0 ? x[j] : 1.2, b = j + 1 >= 0 ? x[Math.Max(j + 1, 0)] : 1.2;
        return a + (b - a) * fraction;
    }
    static double F(double v, double delayed) => 0.2 * delayed / (1 + Math.Pow(delayed, 10)) - 0.1 * v;
    for (int i = 0; i < total; i++)
    {
        double d0 = Delayed(i, 0), dHalf = Delayed(i, 0.5), d1 = Delayed(i, 1);
        double k1 = F(x[i], d0), k2 = F(x[i] + dt / 2 * k1, dHalf), k3 = F(x[i] + dt / 2 * k2, dHalf), k4 = F(x[i] + dt * k3, d1);
        x[i + 1] = x[i] + dt / 6 * (k1 + 2 * k2 + 2 * k3 + k4);
    }
    var sampled = new double[count];
    for (int n = 0; n < count; n++) sampled[n] = x[(transient + n) * perUnit];
    return sampled;
}

// Best of 5 rounds of `steps` steps, after a warm-up round.
static double StepNanoseconds(IRecurrentNetwork net, int steps)
{
    var x = new float[1];
    var y = new float[1];
    for (int i = 0; i < steps; i++) net.Step(x, y);
    double best = double.MaxValue;
    for (int run = 0; run < 5; run++)
    {
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < steps; i++) { x[0] = y[0]; net.Step(x, y); }
        best = Math.Min(best, Stopwatch.GetElapsedTime(start).TotalNanoseconds / steps);
    }
    return best;
}

/// <summary>The echo state network: 400 fixed tanh units, a learned linear readout.</summary>
[RnnModel(InputSize = 1, MaxSteps = 100)]
[Reservoir(400, SpectralRadius = 0.95f, Density = 0.05f, InputScaling = 0.5f)]
[Dense(1)]
internal partial class MackeyGlassEsn;
