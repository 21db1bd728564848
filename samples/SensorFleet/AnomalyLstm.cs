using RnnGen.Orleans;

namespace SensorFleet;

/// <summary>The fleet's model: one sensor reading in, the predicted next reading out; a reading far from its
/// prediction is an anomaly. LSTM 1 → 16 → Dense 1, trained at start-up on clean simulated sensors.</summary>
[RnnModel(InputSize = 1, MaxSteps = 32)]
[Lstm(16)]
[Dense(1)]
public partial class AnomalyLstm : IStreamingModel<AnomalyLstm.State>;

/// <summary>A larger model for the throughput comparison (<c>--model large</c>): LSTM 1 → 256 → Dense 1, 265,473
/// parameters, so that one step is a sizeable part of a grain call. Random weights (seeded): it is timed, not scored.</summary>
[RnnModel(InputSize = 1, MaxSteps = 32)]
[Lstm(256)]
[Dense(1)]
public partial class LargeLstm : IStreamingModel<LargeLstm.State>;
