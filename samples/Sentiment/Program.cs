// Sentiment-style many-to-one classification: a sentence of word ids → bidirectional GRU → softmax over two labels,
// scored at the last step. Sequences keep their own lengths (no padding). Default data: a small review-like set
// generated from templates with negation and contrast ("not bad", "good but boring"), which a bag of words cannot
// get right; --csv FILE trains on your own (text,label) file with two distinct labels.
//   dotnet run --project samples/Sentiment -c Release
//   dotnet run --project samples/Sentiment -c Release -- --csv reviews.csv
//   dotnet run --project samples/Sentiment -c Release -- --rows 500 --patience 0 --dropout on   (a small set: dropout against over-fitting)

using RnnGen.Data;

const string help = """
    Many-to-one sentiment classification with a generated bidirectional GRU.
    options:  --csv FILE (your own data, below; default: a built-in set of templated reviews)   --epochs E (30)
              --lr X (0.005)   --batch B (32)   --seed S (1)   --rows N (3000 built-in reviews)
              --patience P (4 epochs without a better validation loss; 0: never stop early, keep the last weights)
              --dropout on|off (off; on: the twin model with Dropout = 0.3 on the embedding and the GRU's outputs and
              RecurrentDropout = 0.25 on its state, active while training only)
    data:     your own data: --csv FILE, UTF-8 comma-separated with a header line naming the columns text and label
              (other columns are ignored; put a field holding commas or line breaks in "…", doubling any quote inside);
              exactly two distinct labels. Texts are split into lower-cased words; a fifth of the rows is held out.
    verdict:  learned when the test accuracy beats both the bag of words (naive Bayes) and the majority label.
    """;
if (Arguments.Parse(args, help, out int exitCode) is not { } arguments) return exitCode;
string? csv = arguments.String("csv");
int epochs = arguments.Int("epochs", 30);
float lr = arguments.Float("lr", 0.005f);
int batch = arguments.Int("batch", 32);
int seed = arguments.Int("seed", 1, min: 0);
int rowCount = arguments.Int("rows", 3000, min: 20);
int patience = arguments.Int("patience", 4, min: 0);
string dropoutArgument = arguments.String("dropout") ?? "off";
arguments.Require(dropoutArgument is "on" or "off", $"--dropout {dropoutArgument}: expected on or off.");
bool dropout = dropoutArgument == "on";
if (!arguments.Finish(out exitCode)) return exitCode;

List<(string Text, string Label)> rows;
try
{
    rows = csv is null ? Reviews.Generate(rowCount, seed) : TextCsv.Read(csv);
}
catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
{
    Console.Error.WriteLine(e.Message);
    return Verdict.BadArgumentsExitCode;
}
string[] labels = rows.Select(r => r.Label).Distinct().Order(StringComparer.Ordinal).ToArray();
if (labels.Length != 2)
{
    Console.Error.WriteLine($"expected exactly 2 distinct labels; found {labels.Length}: {string.Join(", ", labels.Take(10))}");
    return Verdict.BadArgumentsExitCode;
}

// Shuffle once, hold out a fifth for the final test; the trainer holds out a further tenth for early stopping.
var random = new DeterministicRandom((ulong)seed + 17);
for (int i = rows.Count - 1; i > 0; i--) { int j = random.NextInt(i + 1); (rows[i], rows[j]) = (rows[j], rows[i]); }
int testCount = rows.Count / 5;
var test = rows[..testCount];
var train = rows[testCount..];
var vocabulary = WordVocabulary.Build(train.Select(r => r.Text), maxWords: SentimentGru.Vocabulary - 1);
Sequence ToSequence((string Text, string Label) row)
{
    int[] ids = vocabulary.Encode(row.Text);
    if (ids.Length > SentimentGru.MaxSteps) ids = ids[..SentimentGru.MaxSteps];   // long texts: their first MaxSteps words
    return Sequence.FromTokens(ids, [Array.IndexOf(labels, row.Label)]);
}
Sequence[] trainSet = train.Select(ToSequence).ToArray(), testSet = test.Select(ToSequence).ToArray();

AnsiConsole.MarkupLine("[bold]RnnGen — sentiment classification (many-to-one)[/]");
NetworkSpec spec = dropout ? SentimentGruDropout.Spec : SentimentGru.Spec;
AnsiConsole.MarkupLine($"{Markup.Escape(spec.ToString())}, {SentimentGru.ParameterCount:N0} parameters (generated){(dropout ? "; dropout 0.3 on the embedding and GRU outputs, recurrent dropout 0.25" : "")}");
AnsiConsole.MarkupLine($"data: {Markup.Escape(csv ?? "built-in templated reviews")}: {rows.Count:N0} rows, labels {Markup.Escape(string.Join(" / ", labels))}, {vocabulary.Count - 1:N0} words; {testCount:N0} held out for the test");

using var trainer = new Trainer(() => dropout ? new SentimentGruDropout() : new SentimentGru(), new Adam(lr), new TrainerOptions
{
    BatchSize = batch, Epochs = epochs, ClipNorm = 1, Seed = seed, ValidationFraction = 0.1, Patience = patience, RestoreBestParameters = patience > 0,
    ProgressEvery = 5,
});
TrainingResult result = SampleConsole.Train("GRU", p => { trainer.Progress = p; return trainer.Fit(trainSet); }, lossName: "cross-entropy");
AnsiConsole.MarkupLine($"held-out cross-entropy after {result.Updates:N0} updates: {trainer.Evaluate(testSet):F4} (the {testSet.Length:N0} test rows; dropout {(dropout ? "on" : "off")})");

double accuracy = Accuracy(trainer.Model, testSet);
int majority = trainSet.Count(s => s.ClassIds![0] == 0) >= trainSet.Length / 2.0 ? 0 : 1;
double majorityAccuracy = testSet.Count(s => s.ClassIds![0] == majority) / (double)testSet.Length;
double bagAccuracy = NaiveBayes(trainSet, testSet, SentimentGru.Vocabulary);
var table = new Table().AddColumns("classifier", $"test accuracy ({testSet.Length:N0} rows)");
table.AddRow("bidirectional GRU (this model)", $"{accuracy:P1}");
table.AddRow("bag of words (naive Bayes)", $"{bagAccuracy:P1}");
table.AddRow($"majority label ({Markup.Escape(labels[majority])})", $"{majorityAccuracy:P1}");
AnsiConsole.Write(table);
if (csv is null)   // sentences in the built-in set's style (on your own data they would mean nothing)
    foreach (string example in new[] { "the plot was not bad at all", "great actors but a boring and slow story", "not good" })
        AnsiConsole.MarkupLine($"  \"{Markup.Escape(example)}\" → {Markup.Escape(labels[Predict(trainer.Model, vocabulary.Encode(example))])}");
string baselineName = bagAccuracy >= majorityAccuracy ? "the bag of words" : "the majority label";
return SampleConsole.Conclude(Verdict.Compare(accuracy, Verdict.Best(Better.Higher, bagAccuracy, majorityAccuracy), Better.Higher),
    $"test accuracy {accuracy:P1} against {Math.Max(bagAccuracy, majorityAccuracy):P1} for {baselineName} (the better baseline)",
    "try more --epochs, or data in which word order matters");

static int Predict(IRecurrentNetwork model, int[] ids)
{
    float[] p = new float[2];
    model.Forward(ids.Length > SentimentGru.MaxSteps ? ids[..SentimentGru.MaxSteps] : ids, Math.Min(ids.Length, SentimentGru.MaxSteps), p);
    return p[1] > p[0] ? 1 : 0;
}

static double Accuracy(IRecurrentNetwork model, Sequence[] data) =>
    data.Count(s => Predict(model, s.Tokens!) == s.ClassIds![0]) / (double)data.Length;

static double NaiveBayes(Sequence[] train, Sequence[] test, int words)
{
    double[,] counts = new double[2, words];
    double[] totals = new double[2], priors = new double[2];
    foreach (Sequence s in train)
    {
        int c = s.ClassIds![0];
        priors[c]++;
        foreach (int w in s.Tokens!) { counts[c, w]++; totals[c]++; }
    }
    int right = 0;
    foreach (Sequence s in test)
    {
        double[] score = new double[2];
        for (int c = 0; c < 2; c++)
        {
            score[c] = Math.Log(priors[c] / train.Length);
            foreach (int w in s.Tokens!) score[c] += Math.Log((counts[c, w] + 1) / (totals[c] + words));
        }
        if ((score[1] > score[0] ? 1 : 0) == s.ClassIds![0]) right++;
    }
    return right / (double)test.Length;
}

[RnnModel(MaxSteps = 64, Loss = LossKind.CrossEntropy, Output = OutputMode.LastStep)]
[Embedding(SentimentGru.Vocabulary, 24)]
[Gru(32, Bidirectional = true)]
[Dense(2, Activation.Softmax)]
internal partial class SentimentGru
{
    /// <summary>Word ids: 0 unknown, then the 1,999 most frequent training words.</summary>
    public const int Vocabulary = 2000;
}

/// <summary>The same network with dropout while training (the same parameters: weights load into either).</summary>
[RnnModel(MaxSteps = 64, Loss = LossKind.CrossEntropy, Output = OutputMode.LastStep)]
[Embedding(SentimentGru.Vocabulary, 24, Dropout = 0.3f)]
[Gru(32, Bidirectional = true, Dropout = 0.3f, RecurrentDropout = 0.25f)]
[Dense(2, Activation.Softmax)]
internal partial class SentimentGruDropout;

/// <summary>Templated review sentences whose label depends on word order: negation flips, "but" hands the verdict to
/// the second clause.</summary>
internal static class Reviews
{
    private static readonly string[] Subjects = ["the film", "the plot", "the acting", "this movie", "the story", "the ending", "the soundtrack", "the cast", "the script", "the director's work"];
    private static readonly string[] Positive = ["good", "great", "wonderful", "brilliant", "moving", "funny", "clever", "beautiful", "gripping", "charming"];
    private static readonly string[] Negative = ["bad", "boring", "awful", "dull", "weak", "predictable", "clumsy", "tedious", "silly", "forgettable"];
    private static readonly string[] Intensifiers = ["", "", "really ", "very ", "quite ", "truly "];
    private static readonly string[] Fillers = ["", "", " at all", " to be honest", " overall", " in the end"];

    public static List<(string, string)> Generate(int count, int seed)
    {
        var random = new DeterministicRandom((ulong)seed);
        var rows = new List<(string, string)>(count);
        string Pick(string[] a, ref DeterministicRandom r) => a[r.NextInt(a.Length)];
        // One clause: (text, positive?)
        (string, bool) Clause(ref DeterministicRandom r)
        {
            bool good = r.NextInt(2) == 0, negated = r.NextInt(3) == 0;
            string adjective = Pick(good ? Positive : Negative, ref r);
            string text = $"{Pick(Subjects, ref r)} was {(negated ? "not " : "")}{Pick(Intensifiers, ref r)}{adjective}{Pick(Fillers, ref r)}";
            return (text, good != negated);
        }
        for (int i = 0; i < count; i++)
        {
            var (first, firstGood) = Clause(ref random);
            if (random.NextInt(3) == 0)
            {
                var (second, secondGood) = Clause(ref random);
                if (secondGood == firstGood) { rows.Add(($"{first} and {second}", firstGood ? "positive" : "negative")); continue; }
                rows.Add(($"{first} but {second}", secondGood ? "positive" : "negative"));   // "but": the second clause decides
            }
            else rows.Add((first, firstGood ? "positive" : "negative"));
        }
        return rows;
    }
}
