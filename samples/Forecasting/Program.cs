// Forecasting: an LSTM reads the last 32 values of a series and predicts the value `horizon` steps after them
// (many-to-one). Default series: a noisy sum of three sines with a slow drift, generated here; --csv FILE --column
// NAME forecasts a column of your own. Reports the error against the naive last-value forecast and writes a plot into
// an output folder (--out, ./forecasting-output by default).
//   dotnet run --project samples/Forecasting -c Release
//   dotnet run --project samples/Forecasting -c Release -- --csv temperatures.csv --column temp --horizon 3

using System.Globalization;
using System.Text;
using RnnGen.Data;
using RnnGen.Safetensors;

const string help = """
    Forecasting with a generated LSTM (window of 32 values → the value `horizon` steps ahead).
    options:  --csv FILE --column NAME (your own data, below; default: a built-in noisy multi-sine series)
              --horizon H (1)   --epochs E (40)   --lr X (0.003)   --seed S (1)
              --out DIR (forecasting-output: the folder the plot forecast.svg is written to, created if missing)
    data:     your own data: --csv FILE --column NAME, a comma-separated file whose first line names the columns; every
              later line holds a number (invariant culture: 12.5, 1e-3) in column NAME, in time order; blank lines
              are skipped. The last fifth of the series is held out as the test part.
    verdict:  learned when the test RMSE beats the naive forecast (the last value seen).
    """;
if (Arguments.Parse(args, help, out int exitCode) is not { } arguments) return exitCode;
string? csv = arguments.String("csv");
string? column = arguments.String("column");
int horizon = arguments.Int("horizon", 1);
int epochs = arguments.Int("epochs", 40);
float lr = arguments.Float("lr", 0.003f);
int seed = arguments.Int("seed", 1, min: 0);
string outputFolder = Path.GetFullPath(arguments.String("out") ?? "forecasting-output");
arguments.Require(csv is null || column is not null, "--csv needs --column NAME (the numeric column to forecast).");
if (!arguments.Finish(out exitCode)) return exitCode;

float[] series;
try
{
    series = csv is null ? MultiSine(3000, seed) : ReadColumn(csv, column!);
}
catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
{
    Console.Error.WriteLine(e.Message);
    return Verdict.BadArgumentsExitCode;
}
const int window = Forecaster.MaxSteps;
int split = series.Length * 4 / 5;
if (split < window + horizon + 10 || series.Length - split < window + horizon + 10)
{
    Console.Error.WriteLine($"the series has {series.Length} values; expected at least {5 * (window + horizon + 10)}");
    return Verdict.BadArgumentsExitCode;
}
// Standardise with the training part's mean and deviation.
double mean = series[..split].Average(), deviation = Math.Sqrt(series[..split].Average(v => (v - mean) * (v - mean)));
if (!(deviation > 0)) deviation = 1;
float[] z = series.Select(v => (float)((v - mean) / deviation)).ToArray();
Sequence[] train = Windows.Forecast(z[..split], 1, window, horizon);
Sequence[] test = Windows.Forecast(z[(split - window + 1)..], 1, window, horizon);   // test targets: the last fifth

AnsiConsole.MarkupLine("[bold]RnnGen — forecasting[/]");
AnsiConsole.MarkupLine($"{Markup.Escape(Forecaster.Spec.ToString())}, {Forecaster.ParameterCount:N0} parameters (generated)");
AnsiConsole.MarkupLine($"series: {Markup.Escape(csv is null ? "built-in noisy multi-sine" : $"{csv}, column {column}")}, {series.Length:N0} values; window {window}, horizon {horizon}; {train.Length:N0} training windows, {test.Length:N0} test windows");

using var trainer = new Trainer(() => new Forecaster(), new Adam(lr), new TrainerOptions
{
    BatchSize = 32, Epochs = epochs, ClipNorm = 1, Seed = seed, ValidationFraction = 0.1, Patience = 5, ProgressEvery = 5,
    Schedule = LearningRateSchedule.Cosine(lr / 20),
});
TrainingResult result = SampleConsole.Train("LSTM", p => { trainer.Progress = p; return trainer.Fit(train); }, lossName: "MSE");

// One-step-ahead errors in the series' own units.
float[] predicted = new float[test.Length], naive = new float[test.Length], actual = new float[test.Length];
float[] y = new float[1];
for (int i = 0; i < test.Length; i++)
{
    trainer.Model.Forward(test[i].Inputs, window, y);
    predicted[i] = (float)(y[0] * deviation + mean);
    naive[i] = (float)(test[i].Inputs![window - 1] * deviation + mean);
    actual[i] = (float)(test[i].Targets![0] * deviation + mean);
}
double Rmse(float[] f) => Math.Sqrt(f.Select((v, i) => (double)(v - actual[i]) * (v - actual[i])).Average());
double Mae(float[] f) => f.Select((v, i) => Math.Abs((double)v - actual[i])).Average();
double lstmRmse = Rmse(predicted), naiveRmse = Rmse(naive);
var table = new Table().AddColumns("forecast", "RMSE", "MAE");
table.AddRow("LSTM (this model)", $"{lstmRmse:G4}", $"{Mae(predicted):G4}");
table.AddRow("naive: the last value seen", $"{naiveRmse:G4}", $"{Mae(naive):G4}");
AnsiConsole.Write(table);

string plotPath = Path.Combine(outputFolder, "forecast.svg");
try
{
    Directory.CreateDirectory(outputFolder);
    AtomicFile.Write(plotPath, stream => stream.Write(Encoding.UTF8.GetBytes(Plot(actual, predicted, naive, horizon))));
    AnsiConsole.MarkupLine($"plot of the test part: {Markup.Escape(plotPath)}");
}
catch (Exception e) when (e is IOException or UnauthorizedAccessException)
{
    Console.Error.WriteLine($"{plotPath}: {e.Message}");
}
Outcome outcome = Verdict.Compare(lstmRmse, naiveRmse, Better.Lower);
return SampleConsole.Conclude(outcome,
    $"RMSE {lstmRmse:G3} against {naiveRmse:G3} for the naive forecast{(outcome == Outcome.Learned ? $" ({naiveRmse / lstmRmse:F1}× lower)" : "")}",
    "try more --epochs");

static float[] MultiSine(int length, int seed)
{
    var random = new DeterministicRandom((ulong)seed + 99);
    float[] s = new float[length];
    for (int t = 0; t < length; t++)
        s[t] = (float)(Math.Sin(2 * Math.PI * t / 37) + 0.6 * Math.Sin(2 * Math.PI * t / 11 + 1) + 0.3 * Math.Sin(2 * Math.PI * t / 5.3)
            + 0.0004 * t + 0.15 * random.NextNormal());
    return s;
}

static float[] ReadColumn(string path, string column)
{
    var values = new List<float>();
    using var reader = new StreamReader(path);
    string header = reader.ReadLine() ?? throw new InvalidDataException($"{path}: empty file.");
    string[] names = header.Split(',').Select(n => n.Trim().Trim('"')).ToArray();
    int index = Array.FindIndex(names, n => string.Equals(n, column, StringComparison.OrdinalIgnoreCase));
    if (index < 0) throw new InvalidDataException($"{path}: no column '{column}'; the header has {string.Join(", ", names)}.");
    int line = 1;
    for (string? text; (text = reader.ReadLine()) is not null;)
    {
        line++;
        if (text.Length == 0) continue;
        string[] fields = text.Split(',');
        if (index >= fields.Length || !float.TryParse(fields[index].Trim().Trim('"'), NumberStyles.Float, CultureInfo.InvariantCulture, out float v) || !float.IsFinite(v))
            throw new InvalidDataException($"{path}:{line}: column '{column}' is not a number ('{(index < fields.Length ? fields[index] : "")}').");
        values.Add(v);
    }
    return values.ToArray();
}

static string Plot(float[] actual, float[] predicted, float[] naive, int horizon)
{
    int n = Math.Min(actual.Length, 300);
    const double width = 900, height = 360, left = 50, right = 20, top = 30, bottom = 30;
    float lo = Math.Min(actual[..n].Min(), predicted[..n].Min()), hi = Math.Max(actual[..n].Max(), predicted[..n].Max());
    if (hi <= lo) hi = lo + 1;
    string X(int i) => (left + (width - left - right) * i / Math.Max(1, n - 1)).ToString("F1", CultureInfo.InvariantCulture);
    string Y(float v) => (top + (height - top - bottom) * (hi - v) / (hi - lo)).ToString("F1", CultureInfo.InvariantCulture);
    string Line(float[] values, string colour, string dash) =>
        $"<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"1.5\"{dash} points=\"{string.Join(' ', Enumerable.Range(0, n).Select(i => X(i) + "," + Y(values[i])))}\"/>";
    var svg = new StringBuilder();
    svg.AppendLine($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" font-family=\"sans-serif\" font-size=\"12\">");
    svg.AppendLine("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>");
    svg.AppendLine($"<text x=\"{left}\" y=\"18\">Test part, first {n} points: forecast {horizon} step(s) ahead</text>");
    svg.AppendLine($"<line x1=\"{left}\" y1=\"{height - bottom}\" x2=\"{width - right}\" y2=\"{height - bottom}\" stroke=\"#888\"/>");
    svg.AppendLine($"<line x1=\"{left}\" y1=\"{top}\" x2=\"{left}\" y2=\"{height - bottom}\" stroke=\"#888\"/>");
    svg.AppendLine($"<text x=\"4\" y=\"{Y(hi)}\">{hi.ToString("G3", CultureInfo.InvariantCulture)}</text><text x=\"4\" y=\"{Y(lo)}\">{lo.ToString("G3", CultureInfo.InvariantCulture)}</text>");
    svg.AppendLine(Line(naive, "#bbbbbb", " stroke-dasharray=\"3,3\""));
    svg.AppendLine(Line(actual, "#222222", ""));
    svg.AppendLine(Line(predicted, "#d62728", ""));
    svg.AppendLine($"<text x=\"{width - 330}\" y=\"18\"><tspan fill=\"#222\">— actual</tspan>  <tspan fill=\"#d62728\">— LSTM</tspan>  <tspan fill=\"#999\">- - last value</tspan></text>");
    svg.AppendLine("</svg>");
    return svg.ToString();
}

[RnnModel(InputSize = 1, MaxSteps = 32, Loss = LossKind.MeanSquaredError, Output = OutputMode.LastStep)]
[Lstm(32)]
[Dense(1)]
internal partial class Forecaster;
