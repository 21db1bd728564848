// A character-level language model: Embedding → LSTM(128) → Dense softmax over the text's characters — Unicode code
// points, so "é", "日" or an emoji is one symbol — trained with truncated BPTT on a stream of text (state carried between
// chunks) and then sampled with a temperature. Default text: RnnGen's own documentation and trainer source, built into
// the sample; --text FILE trains on any UTF-8 text file.
//   dotnet run --project samples/CharLanguageModel -c Release
//   dotnet run --project samples/CharLanguageModel -c Release -- --text shakespeare.txt --updates 3000 --temperature 0.6

using System.Reflection;
using System.Text;

const string help = """
    Character-level language model (generated Embedding → LSTM(128) → Dense softmax), trained by truncated BPTT.
    options:  --text FILE (default: RnnGen's docs and trainer source)   --updates N (600)   --lr X (0.003)
              --batch B (32 parallel streams)   --k1 STEPS (64)   --temperature T (0.7)   --length N (400 characters to sample)
              --prompt TEXT ("The ")   --seed S (1)
              --save FILE.safetensors (the trained weights, and the vocabulary beside them in FILE.safetensors.vocabulary.txt)
    data:     your own data: --text FILE, any UTF-8 text (a byte-order mark is honoured; CRLF counts as one newline). Its
              characters are Unicode code points; the 127 most frequent get an id each, rarer ones share one id (printed
              as U+FFFD). The last tenth is held out to score the model.
    verdict:  learned when the held-out bits per character beat both counting baselines (character and bigram frequencies).
    """;
if (Arguments.Parse(args, help, out int exitCode) is not { } arguments) return exitCode;
string? textFile = arguments.String("text");
int updates = arguments.Int("updates", 600);
float lr = arguments.Float("lr", 0.003f);
int batch = arguments.Int("batch", 32);
int k1 = arguments.Int("k1", 64);
float temperature = arguments.Float("temperature", 0.7f);
int length = arguments.Int("length", 400);
string prompt = arguments.String("prompt") ?? "The ";
int seed = arguments.Int("seed", 1, min: 0);
string? savePath = arguments.String("save");
arguments.Require(k1 <= CharModel.MaxSteps, $"--k1 {k1}: expected at most {CharModel.MaxSteps} (MaxSteps).");
arguments.Require(prompt.Length > 0, "--prompt needs at least one character.");
if (!arguments.Finish(out exitCode)) return exitCode;

string text;
try
{
    // Strict UTF-8: a file in another encoding is refused rather than read as replacement characters.
    text = textFile is null ? BuiltInText() : File.ReadAllText(textFile, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true));
}
catch (DecoderFallbackException)
{
    Console.Error.WriteLine($"{textFile}: not UTF-8 text; convert it to UTF-8 first (e.g. iconv -f latin1 -t utf-8).");
    return Verdict.BadArgumentsExitCode;
}
catch (Exception e) when (e is IOException or UnauthorizedAccessException)
{
    Console.Error.WriteLine($"{textFile}: {e.Message}");
    return Verdict.BadArgumentsExitCode;
}
text = text.Replace("\r\n", "\n");
var vocabulary = RuneVocabulary.FromText(text, CharModel.Symbols);
int[] tokens = vocabulary.Encode(text);
int split = tokens.Length * 9 / 10;
if (split < batch * 2 + 2 || tokens.Length - split < batch + 2)
{
    Console.Error.WriteLine($"the text has {tokens.Length} characters; expected at least {(batch * 2 + 2) * 10 / 9 + batch + 2} for {batch} streams");
    return Verdict.BadArgumentsExitCode;
}
var train = SequenceStream.NextToken(tokens[..split]);
var heldOut = SequenceStream.NextToken(tokens[split..]);
int perStream = train.Length / batch;
int epochs = Math.Max(1, (int)Math.Ceiling(updates / Math.Ceiling(perStream / (double)k1)));

AnsiConsole.MarkupLine("[bold]RnnGen — character-level language model[/]");
AnsiConsole.MarkupLine($"{Markup.Escape(CharModel.Spec.ToString())}, {CharModel.ParameterCount:N0} parameters (generated)");
AnsiConsole.MarkupLine($"text: {Markup.Escape(textFile ?? "built-in (RnnGen's docs and trainer source)")}, {tokens.Length:N0} characters ({train.Length:N0} training, {heldOut.Length:N0} held out)");
AnsiConsole.MarkupLine(Markup.Escape(VocabularyLine(vocabulary)));
AnsiConsole.MarkupLine($"truncated BPTT: {batch} streams × chunks of {k1}, Adam lr {lr} with cosine decay, clip 5, {updates:N0} updates");

using var trainer = new Trainer(() => new CharModel(), new Adam(lr), new TrainerOptions
{
    BatchSize = batch, Epochs = epochs, MaxUpdates = updates, TbpttK1 = k1, ClipNorm = 5, Seed = seed, ProgressEvery = 2,
    Schedule = LearningRateSchedule.Cosine(lr / 10),
});
TrainingResult result = SampleConsole.Train("char LM", p => { trainer.Progress = p; return trainer.FitStream(train); }, lossName: "cross-entropy");

// Bits per character on the held-out tenth, against counting baselines fitted to the training part.
double modelBits = trainer.EvaluateStream(heldOut) / Math.Log(2);
var (unigramBits, bigramBits) = CountingBaselines(tokens[..split], tokens[split..], vocabulary.Count);
var table = new Table().AddColumns("held-out text", "bits per character");
table.AddRow("LSTM (this model)", $"{modelBits:F3}");
table.AddRow("bigram counts (add-one)", $"{bigramBits:F3}");
table.AddRow("unigram counts (character frequencies)", $"{unigramBits:F3}");
AnsiConsole.Write(table);

int[] promptIds = vocabulary.Encode(prompt);
string[] unknown = prompt.EnumerateRunes().Where(r => vocabulary[r] == RuneVocabulary.Other).Select(r => r.ToString()).Distinct().ToArray();
if (unknown.Length > 0) AnsiConsole.MarkupLine($"[yellow]the prompt's {Markup.Escape(string.Join(" ", unknown))} have no id of their own in this text's vocabulary[/]");
int[] sampled = Sample(trainer.Model, vocabulary, promptIds, length, temperature, seed);
AnsiConsole.MarkupLine($"[bold]sample[/] (temperature {temperature}):");
AnsiConsole.WriteLine(prompt + vocabulary.Decode(sampled));
if (savePath is not null)
{
    trainer.Model.SaveSafetensors(savePath);
    File.WriteAllText(savePath + ".vocabulary.txt", string.Concat(vocabulary.Symbols.Select(r => r.ToString())), new UTF8Encoding(false));
    AnsiConsole.MarkupLine($"saved the weights to {Markup.Escape(savePath)} and the vocabulary (the code points of ids 1, 2, … in order) to {Markup.Escape(savePath)}.vocabulary.txt");
}
double bestBaseline = Verdict.Best(Better.Lower, unigramBits, bigramBits);
return SampleConsole.Conclude(Verdict.Compare(modelBits, bestBaseline, Better.Lower),
    $"{modelBits:F2} bits/char against {bigramBits:F2} for bigram counts and {unigramBits:F2} for character frequencies",
    "try more --updates");

// Samples from the model's softmax restricted to the ids the text uses (a briefly trained model still gives the
// unused ones some probability).
static int[] Sample(IRecurrentNetwork model, RuneVocabulary vocabulary, int[] prompt, int count, float temperature, int seed)
{
    var random = new DeterministicRandom((ulong)(uint)seed);
    float[] p = new float[model.OutputSize];
    model.ResetState();
    foreach (int id in prompt) model.Step(id, p);
    int[] sampled = new int[count];
    for (int i = 0; i < count; i++)
    {
        p.AsSpan(vocabulary.Count).Clear();
        if (vocabulary.OtherCount == 0) p[RuneVocabulary.Other] = 0;
        sampled[i] = Generation.Sample(p, temperature, ref random);
        model.Step(sampled[i], p);
    }
    return sampled;
}

static string VocabularyLine(RuneVocabulary vocabulary)
{
    string[] beyond = vocabulary.Symbols.Where(r => r.Value > 0x7E).Select(r => r.ToString()).ToArray();
    string line = $"vocabulary: {vocabulary.Distinct:N0} distinct characters (Unicode code points)";
    if (beyond.Length > 0) line += $", {beyond.Length:N0} beyond ASCII: {string.Join(" ", beyond.Take(40))}{(beyond.Length > 40 ? " …" : "")}";
    if (vocabulary.OtherCount > 0) line += $"; the {vocabulary.Distinct - (vocabulary.Count - 1):N0} rarest ({vocabulary.OtherCount:N0} characters of the text) share one id";
    return line;
}

static string BuiltInText()
{
    var assembly = Assembly.GetExecutingAssembly();
    var parts = assembly.GetManifestResourceNames().Where(n => n.StartsWith("corpus/", StringComparison.Ordinal)).Order(StringComparer.Ordinal)
        .Select(n => new StreamReader(assembly.GetManifestResourceStream(n)!).ReadToEnd());
    return string.Join("\n\n", parts);
}

static (double Unigram, double Bigram) CountingBaselines(int[] train, int[] test, int symbols)
{
    double[] unigram = new double[symbols];
    double[,] bigram = new double[symbols, symbols];
    foreach (int t in train) unigram[t]++;
    for (int i = 1; i < train.Length; i++) bigram[train[i - 1], train[i]]++;
    double uni = 0, bi = 0;
    for (int i = 1; i < test.Length; i++)
    {
        uni -= Math.Log2((unigram[test[i]] + 1) / (train.Length + symbols));
        double row = 0;
        for (int k = 0; k < symbols; k++) row += bigram[test[i - 1], k];
        bi -= Math.Log2((bigram[test[i - 1], test[i]] + 1) / (row + symbols));
    }
    return (uni / (test.Length - 1), bi / (test.Length - 1));
}

[RnnModel(MaxSteps = 64, Loss = LossKind.CrossEntropy, Output = OutputMode.EveryStep)]
[Embedding(CharModel.Symbols, 32)]
[Lstm(128)]
[Dense(CharModel.Symbols, Activation.Softmax)]
internal partial class CharModel
{
    /// <summary>Ids the model has room for: the text's 127 most frequent code points and one for all the rarer ones.</summary>
    public const int Symbols = 128;
}
