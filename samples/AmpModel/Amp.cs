using RnnGen;

// note: NAM "LSTM" model, file version 0.5.4.
// note: NAM stores one bias per LSTM layer (b_ih + b_hh summed): it is bias_ih_l0, and bias_hh_l0 is zero; the sums, and so the network, are the same.
// note: NAM's initial hidden and cell states are initial_h_l0 and initial_c_l0 (LearnInitialState = true): Forward, ResetState and a fresh State start where NAM's plugin starts.
// note: trained at 48000 Hz: feed it audio at that rate, one sample per step.
// note: metadata: name "RnnGen AmpModel sample (tube-like overdrive)", modeled_by "tools/make_nam_fixtures.py --amp", gear_type "amp", tone_type "overdrive".
[RnnModel(InputSize = 1, MaxSteps = 4096, Weights = "Amp.safetensors")]   // MaxSteps: the longest sequence you will run
[Lstm(16, LearnInitialState = true)]
[Dense(1)]
public partial class Amp;
