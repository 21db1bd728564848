// Models for the scaling study: LSTM(32 → H) → Dense(32), H = 8 … 512.
using RnnGen;

namespace RnnGen.Benchmarks;

[RnnModel(InputSize = 32, MaxSteps = 64)]
[Lstm(8)]
[Dense(32)]
public partial class Scaling8;

[RnnModel(InputSize = 32, MaxSteps = 64)]
[Lstm(16)]
[Dense(32)]
public partial class Scaling16;

[RnnModel(InputSize = 32, MaxSteps = 64)]
[Lstm(32)]
[Dense(32)]
public partial class Scaling32;

[RnnModel(InputSize = 32, MaxSteps = 64)]
[Lstm(64)]
[Dense(32)]
public partial class Scaling64;

[RnnModel(InputSize = 32, MaxSteps = 64)]
[Lstm(128)]
[Dense(32)]
public partial class Scaling128;

[RnnModel(InputSize = 32, MaxSteps = 64)]
[Lstm(256)]
[Dense(32)]
public partial class Scaling256;

[RnnModel(InputSize = 32, MaxSteps = 64)]
[Lstm(512)]
[Dense(32)]
public partial class Scaling512;

internal static class ScalingModels
{
    public static readonly (int Hidden, Func<IRecurrentNetwork> Create)[] All =
    [
        (8, () => new Scaling8()),
        (16, () => new Scaling16()),
        (32, () => new Scaling32()),
        (64, () => new Scaling64()),
        (128, () => new Scaling128()),
        (256, () => new Scaling256()),
        (512, () => new Scaling512()),
    ];
}
