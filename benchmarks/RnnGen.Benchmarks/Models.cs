// Models for the benchmarks: (input, hidden) → Dense(input), the RTNeural-style shapes.
using RnnGen;

namespace RnnGen.Benchmarks;

[RnnModel(InputSize = 1, MaxSteps = 64)]
[Lstm(8)]
[Dense(1)]
public partial class Lstm_1_8;

[RnnModel(InputSize = 8, MaxSteps = 64)]
[Lstm(32)]
[Dense(8)]
public partial class Lstm_8_32;

[RnnModel(InputSize = 32, MaxSteps = 64)]
[Lstm(64)]
[Dense(32)]
public partial class Lstm_32_64;

[RnnModel(InputSize = 64, MaxSteps = 64)]
[Lstm(128)]
[Dense(64)]
public partial class Lstm_64_128;

[RnnModel(InputSize = 128, MaxSteps = 64)]
[Lstm(256)]
[Dense(128)]
public partial class Lstm_128_256;

[RnnModel(InputSize = 1, MaxSteps = 64)]
[Gru(8)]
[Dense(1)]
public partial class Gru_1_8;

[RnnModel(InputSize = 8, MaxSteps = 64)]
[Gru(32)]
[Dense(8)]
public partial class Gru_8_32;

[RnnModel(InputSize = 32, MaxSteps = 64)]
[Gru(64)]
[Dense(32)]
public partial class Gru_32_64;

[RnnModel(InputSize = 64, MaxSteps = 64)]
[Gru(128)]
[Dense(64)]
public partial class Gru_64_128;

[RnnModel(InputSize = 128, MaxSteps = 64)]
[Gru(256)]
[Dense(128)]
public partial class Gru_128_256;

[RnnModel(InputSize = 1, MaxSteps = 64)]
[Rnn(8)]
[Dense(1)]
public partial class Rnn_1_8;

[RnnModel(InputSize = 8, MaxSteps = 64)]
[Rnn(32)]
[Dense(8)]
public partial class Rnn_8_32;

[RnnModel(InputSize = 32, MaxSteps = 64)]
[Rnn(64)]
[Dense(32)]
public partial class Rnn_32_64;

[RnnModel(InputSize = 64, MaxSteps = 64)]
[Rnn(128)]
[Dense(64)]
public partial class Rnn_64_128;

[RnnModel(InputSize = 128, MaxSteps = 64)]
[Rnn(256)]
[Dense(128)]
public partial class Rnn_128_256;
[RnnModel(InputSize = 1, MaxSteps = 64)]
[Lstm(32)]
[Dense(1)]
public partial class Lstm_1_32;

[RnnModel(InputSize = 1, MaxSteps = 64)]
[Gru(32)]
[Dense(1)]
public partial class Gru_1_32;

/// <summary>RTNeural's two-layer shape: LSTM 16 → 32 → 32, Dense(4).</summary>
[RnnModel(InputSize = 16, MaxSteps = 64)]
[Lstm(32)]
[Lstm(32)]
[Dense(4)]
public partial class Lstm2_16_32_32_4;

internal static class Models
{
    public static IRecurrentNetwork Create(string kind, int input, int hidden) => (kind, input, hidden) switch
    {
        ("Lstm", 1, 8) => new Lstm_1_8(),
        ("Lstm", 1, 32) => new Lstm_1_32(),
        ("Lstm", 8, 32) => new Lstm_8_32(),
        ("Lstm", 32, 64) => new Lstm_32_64(),
        ("Lstm", 64, 128) => new Lstm_64_128(),
        ("Lstm", 128, 256) => new Lstm_128_256(),
        ("Gru", 1, 8) => new Gru_1_8(),
        ("Gru", 1, 32) => new Gru_1_32(),
        ("Gru", 8, 32) => new Gru_8_32(),
        ("Gru", 32, 64) => new Gru_32_64(),
        ("Gru", 64, 128) => new Gru_64_128(),
        ("Gru", 128, 256) => new Gru_128_256(),
        ("Rnn", 1, 8) => new Rnn_1_8(),
        ("Rnn", 8, 32) => new Rnn_8_32(),
        ("Rnn", 32, 64) => new Rnn_32_64(),
        ("Rnn", 64, 128) => new Rnn_64_128(),
        ("Rnn", 128, 256) => new Rnn_128_256(),
        _ => throw new ArgumentException($"No generated model {kind} ({input}, {hidden})."),
    };
}
