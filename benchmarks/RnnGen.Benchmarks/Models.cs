// The generated models the benchmarks time. The char-LM training models are in tests/Shared/Models/TrainingModels.cs,
// shared with the trainer tests.

namespace RnnGen.Benchmarks;

// Streaming shapes, RTNeural's kind: input → recurrent(hidden) → Dense(input), named Kind_input_hidden.
[RnnModel(InputSize = 1, MaxSteps = 64)] [Lstm(8)] [Dense(1)] public partial class Lstm_1_8;
[RnnModel(InputSize = 8, MaxSteps = 64)] [Lstm(32)] [Dense(8)] public partial class Lstm_8_32;
[RnnModel(InputSize = 32, MaxSteps = 64)] [Lstm(64)] [Dense(32)] public partial class Lstm_32_64;
[RnnModel(InputSize = 64, MaxSteps = 64)] [Lstm(128)] [Dense(64)] public partial class Lstm_64_128;
[RnnModel(InputSize = 128, MaxSteps = 64)] [Lstm(256)] [Dense(128)] public partial class Lstm_128_256;
[RnnModel(InputSize = 1, MaxSteps = 64)] [Lstm(32)] [Dense(1)] public partial class Lstm_1_32;
[RnnModel(InputSize = 1, MaxSteps = 64)] [Lstm(16)] [Dense(1)] public partial class Lstm_1_16;
[RnnModel(InputSize = 1, MaxSteps = 64)] [Gru(8)] [Dense(1)] public partial class Gru_1_8;
[RnnModel(InputSize = 8, MaxSteps = 64)] [Gru(32)] [Dense(8)] public partial class Gru_8_32;
[RnnModel(InputSize = 32, MaxSteps = 64)] [Gru(64)] [Dense(32)] public partial class Gru_32_64;
[RnnModel(InputSize = 64, MaxSteps = 64)] [Gru(128)] [Dense(64)] public partial class Gru_64_128;
[RnnModel(InputSize = 128, MaxSteps = 64)] [Gru(256)] [Dense(128)] public partial class Gru_128_256;
[RnnModel(InputSize = 1, MaxSteps = 64)] [Gru(32)] [Dense(1)] public partial class Gru_1_32;
[RnnModel(InputSize = 1, MaxSteps = 64)] [Gru(16)] [Dense(1)] public partial class Gru_1_16;
[RnnModel(InputSize = 1, MaxSteps = 64)] [Rnn(8)] [Dense(1)] public partial class Rnn_1_8;
[RnnModel(InputSize = 8, MaxSteps = 64)] [Rnn(32)] [Dense(8)] public partial class Rnn_8_32;
[RnnModel(InputSize = 32, MaxSteps = 64)] [Rnn(64)] [Dense(32)] public partial class Rnn_32_64;
[RnnModel(InputSize = 64, MaxSteps = 64)] [Rnn(128)] [Dense(64)] public partial class Rnn_64_128;
[RnnModel(InputSize = 128, MaxSteps = 64)] [Rnn(256)] [Dense(128)] public partial class Rnn_128_256;
[RnnModel(InputSize = 1, MaxSteps = 64)] [Rnn(16)] [Dense(1)] public partial class Rnn_1_16;
[RnnModel(InputSize = 1, MaxSteps = 64)] [Rnn(32)] [Dense(1)] public partial class Rnn_1_32;

/// <summary>RTNeural's two-layer shape: LSTM 16 → 32 → 32, Dense(4).</summary>
[RnnModel(InputSize = 16, MaxSteps = 64)] [Lstm(32)] [Lstm(32)] [Dense(4)] public partial class Lstm2_16_32_32_4;

// The scaling study: LSTM(32 → H) → Dense(32), H = 8 … 512; H = 64 is Lstm_32_64 above.
[RnnModel(InputSize = 32, MaxSteps = 64)] [Lstm(8)] [Dense(32)] public partial class Scaling8;
[RnnModel(InputSize = 32, MaxSteps = 64)] [Lstm(16)] [Dense(32)] public partial class Scaling16;
[RnnModel(InputSize = 32, MaxSteps = 64)] [Lstm(32)] [Dense(32)] public partial class Scaling32;
[RnnModel(InputSize = 32, MaxSteps = 64)] [Lstm(128)] [Dense(32)] public partial class Scaling128;
[RnnModel(InputSize = 32, MaxSteps = 64)] [Lstm(256)] [Dense(32)] public partial class Scaling256;
[RnnModel(InputSize = 32, MaxSteps = 64)] [Lstm(512)] [Dense(32)] public partial class Scaling512;

internal static class Models
{
    /// <summary>The generated input → <paramref name="kind"/>(hidden) → Dense(input) model, e.g. ("Lstm", 8, 32) → <see cref="Lstm_8_32"/>.</summary>
    public static IRecurrentNetwork Create(string kind, int input, int hidden) =>
        typeof(Models).Assembly.GetType($"RnnGen.Benchmarks.{kind}_{input}_{hidden}") is { } type && typeof(IRecurrentNetwork).IsAssignableFrom(type)
            ? (IRecurrentNetwork)Activator.CreateInstance(type)!
            : throw new ArgumentException($"No generated model {kind} ({input}, {hidden}).");

    /// <summary>A new model of each kind and shape, kinds outermost: the rows of the streaming tables.</summary>
    public static IEnumerable<(string Kind, int Input, int Hidden, IRecurrentNetwork Network)> Streaming(string[] kinds, (int Input, int Hidden)[] shapes)
    {
        foreach (string kind in kinds)
            foreach ((int input, int hidden) in shapes)
                yield return (kind, input, hidden, Create(kind, input, hidden));
    }

    /// <summary>The scaling study's models by hidden size.</summary>
    public static readonly (int Hidden, Func<IRecurrentNetwork> Create)[] Scaling =
    [
        (8, () => new Scaling8()),
        (16, () => new Scaling16()),
        (32, () => new Scaling32()),
        (64, () => new Lstm_32_64()),
        (128, () => new Scaling128()),
        (256, () => new Scaling256()),
        (512, () => new Scaling512()),
    ];
}

/// <summary>The Markdown tables the hand-timed modes print.</summary>
internal static class Table
{
    /// <summary>Writes a table's header row and its separator.</summary>
    public static void Header(TextWriter output, params string[] columns)
    {
        output.WriteLine("| " + string.Join(" | ", columns) + " |");
        output.WriteLine("|" + string.Concat(columns.Select(_ => "---|")));
    }
}
