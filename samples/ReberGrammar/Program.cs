// The embedded Reber grammar (Hochreiter & Schmidhuber 1997, experiment 1): strings B (T|P) <Reber string> (T|P) E,
// where the second T/P must repeat the first across the whole inner string. The network reads a string one symbol
// at a time and predicts the set of symbols that may come next (a sigmoid per symbol, binary cross-entropy).
// Training stops when every string of a held-out set is predicted correctly: at every step, exactly the legal next
// symbols score above 0.5. The hard part is the penultimate step, which only a memory of the second symbol gets right.
//   dotnet run --project samples/ReberGrammar -c Release
//   dotnet run --project samples/ReberGrammar -c Release -- --test my-strings.txt     (one string per line, e.g. BTBTXSETE)

const string help = """
    Embedded Reber grammar: next-symbol prediction with a generated LSTM until every held-out string is right.
    options:  --strings N (training strings, 4000)   --epochs E (60)   --lr X (0.01)   --seed S (1)
              --test FILE (also score the strings of FILE, one per line)
    data:     your own data: --test FILE scores your strings after training: a UTF-8 text file with one embedded
              Reber string per line (e.g. BTBTXSETE, at most 65 symbols); lines that are not such strings are reported
              and skipped. The training and held-out strings are always generated from the grammar (--seed).
    verdict:  learned when every one of the 256 held-out strings is predicted right at every step.
    """;
if (Arguments.Parse(args, help, out int exitCode) is not { } arguments) return exitCode;
int count = arguments.Int("strings", 4000, min: 10);
int epochs = arguments.Int("epochs", 60);
float lr = arguments.Float("lr", 0.01f);
int seed = arguments.Int("seed", 1, min: 0);
string? testFile = arguments.String("test");
if (!arguments.Finish(out exitCode)) return exitCode;

// Your own strings are read first: a file that cannot be read stops the sample before it trains.
string[] testLines = [];
if (testFile is not null)
{
    try { testLines = File.ReadAllLines(testFile).Select(l => l.Trim()).Where(l => l.Length > 0).ToArray(); }
    catch (Exception e) when (e is IOException or UnauthorizedAccessException)
    {
        Console.Error.WriteLine($"{testFile}: {e.Message}");
        return Verdict.BadArgumentsExitCode;
    }
}

var random = new DeterministicRandom((ulong)seed);
Sequence[] training = Enumerable.Range(0, count).Select(_ => Reber.Example(Reber.Embedded(ref random))).ToArray();
string[] heldOut = Enumerable.Range(0, 256).Select(_ => Reber.Embedded(ref random)).ToArray();
AnsiConsole.MarkupLine("[bold]RnnGen — embedded Reber grammar[/]");
AnsiConsole.MarkupLine($"{Markup.Escape(ReberLstm.Spec.ToString())}, {ReberLstm.ParameterCount:N0} parameters (generated)");
AnsiConsole.MarkupLine($"{count:N0} training strings (mean length {training.Average(s => s.Steps + 1):F1}), 256 held-out strings; stop when all 256 are right");

using var trainer = new Trainer(() => new ReberLstm(), new Adam(lr), new TrainerOptions { BatchSize = 16, Epochs = epochs, ClipNorm = 1, Seed = seed, ProgressEvery = 10 });
var untrained = Reber.Score(trainer.Model, heldOut);
int epochsUsed = 0;
trainer.StopAfterEpoch = summary =>
{
    epochsUsed = summary.Epoch;
    return Reber.Score(trainer.Model, heldOut).Strings == heldOut.Length;
};
TrainingResult result = SampleConsole.Train("LSTM", p => { trainer.Progress = p; return trainer.Fit(training); }, lossName: "BCE");
var trained = Reber.Score(trainer.Model, heldOut);

var table = new Table().AddColumns("", "strings fully right", "penultimate symbol right (T/P across the string)");
table.AddRow("untrained", $"{untrained.Strings}/{heldOut.Length}", $"{untrained.Penultimate}/{heldOut.Length}");
table.AddRow($"after {epochsUsed} epochs ({result.Updates:N0} updates)", $"{trained.Strings}/{heldOut.Length}", $"{trained.Penultimate}/{heldOut.Length}");
table.AddRow("no memory of the 2nd symbol (best possible)", $"0/{heldOut.Length}", $"≈ {heldOut.Length / 2}/{heldOut.Length} by guessing");
AnsiConsole.Write(table);
int exit = SampleConsole.Conclude(Verdict.Goal(trained.Strings == heldOut.Length),
    $"{trained.Strings}/{heldOut.Length} held-out strings predicted right at every step (a model without memory of the second symbol gets 0)",
    "try more --epochs");

if (testFile is not null)
{
    bool Usable(string line) => Reber.IsEmbedded(line) && line.Length <= ReberLstm.MaxSteps + 1;
    string[] invalid = testLines.Where(l => !Usable(l)).ToArray();
    if (invalid.Length > 0) AnsiConsole.MarkupLine($"[yellow]{invalid.Length} line(s) of {Markup.Escape(testFile)} are not embedded Reber strings of at most {ReberLstm.MaxSteps + 1} symbols and are skipped, e.g. {Markup.Escape(invalid[0])}[/]");
    string[] valid = testLines.Where(Usable).ToArray();
    var score = Reber.Score(trainer.Model, valid);
    AnsiConsole.MarkupLine($"{Markup.Escape(testFile)}: {score.Strings}/{valid.Length} strings predicted correctly");
}
return exit;

[RnnModel(MaxSteps = 64, Loss = LossKind.BinaryCrossEntropy, Output = OutputMode.EveryStep)]
[Embedding(7, 8)]
[Lstm(24)]
[Dense(7, Activation.Sigmoid)]
internal partial class ReberLstm;

internal static class Reber
{
    public const string Symbols = "BTPSXVE";

    // The inner grammar: node → (symbol, next node); node 6 ends with E.
    private static readonly (char Symbol, int Next)[][] Graph =
    [
        [('B', 1)], [('T', 2), ('P', 3)], [('S', 2), ('X', 4)], [('T', 3), ('V', 5)], [('X', 3), ('S', 6)], [('P', 4), ('V', 6)], [('E', -1)],
    ];

    public static string Embedded(ref DeterministicRandom random)
    {
        char c = random.NextInt(2) == 0 ? 'T' : 'P';
        var inner = new System.Text.StringBuilder();
        for (int node = 0; node >= 0;)
        {
            var edges = Graph[node];
            var (symbol, next) = edges[edges.Length == 1 ? 0 : random.NextInt(2)];
            inner.Append(symbol);
            node = next;
            if (inner.Length > 40) { inner.Clear(); node = 0; }   // keep strings within MaxSteps
        }
        return $"B{c}{inner}{c}E";
    }

    /// <summary>For each position, the symbols that may legally follow it (the last position has none).</summary>
    public static List<string> LegalNext(string s)
    {
        var legal = new List<string> { "TP", "B" };
        int node = 0;
        for (int i = 2; i < s.Length - 2; i++)
        {
            int next = Graph[node].First(e => e.Symbol == s[i]).Next;
            node = next;
            legal.Add(node >= 0 ? string.Concat(Graph[node].Select(e => e.Symbol)) : s[1].ToString());
        }
        legal.Add("E");
        return legal;
    }

    public static bool IsEmbedded(string s)
    {
        if (s.Length < 9 || s[0] != 'B' || s[^1] != 'E' || (s[1] != 'T' && s[1] != 'P') || s[^2] != s[1]) return false;
        int node = 0;
        for (int i = 2; i < s.Length - 2; i++)
        {
            if (node < 0) return false;
            var edge = Graph[node].FirstOrDefault(e => e.Symbol == s[i]);
            if (edge.Symbol == default) return false;
            node = edge.Next;
        }
        return node == -1;
    }

    public static Sequence Example(string s)
    {
        int steps = s.Length - 1;
        int[] tokens = s[..steps].Select(c => Symbols.IndexOf(c)).ToArray();
        float[] targets = new float[steps * 7];
        List<string> legal = LegalNext(s);
        for (int t = 0; t < steps; t++)
            foreach (char c in legal[t]) targets[t * 7 + Symbols.IndexOf(c)] = 1f;
        return Sequence.FromTokens(tokens, targets);
    }

    /// <summary>Strings whose every step is right (outputs above 0.5 exactly for the legal symbols), and strings whose
    /// penultimate step is right.</summary>
    public static (int Strings, int Penultimate) Score(IRecurrentNetwork network, IReadOnlyList<string> strings)
    {
        int right = 0, penultimate = 0;
        float[] outputs = new float[64 * 7];
        foreach (string s in strings)
        {
            Sequence example = Example(s);
            network.Forward(example.Tokens, example.Steps, outputs.AsSpan(0, example.Steps * 7));
            bool all = true;
            for (int t = 0; t < example.Steps; t++)
            {
                bool step = true;
                for (int k = 0; k < 7; k++) step &= outputs[t * 7 + k] > 0.5f == example.Targets![t * 7 + k] > 0.5f;
                all &= step;
                if (t == example.Steps - 2 && step) penultimate++;
            }
            if (all) right++;
        }
        return (right, penultimate);
    }
}
