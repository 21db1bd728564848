#!/usr/bin/env python3
"""Writes tests/RnnGen.Tests/Generated/MatrixModels.cs: the declared models the generated-vs-reference parity
tests run over (every layer type, activation, loss, reduction, output mode, 1-3 layer stacks, bidirectional,
sizes 1, 3, 8, 13, 32, 33, 64). Run: python3 tools/make_model_matrix.py"""
import pathlib

OUT = pathlib.Path(__file__).resolve().parent.parent / "tests" / "RnnGen.Tests" / "Generated" / "MatrixModels.cs"
SIZES = [1, 3, 8, 13, 32, 33, 64]
LOSSES = ["MeanSquaredError", "CrossEntropy", "BinaryCrossEntropy", "None"]
models = []  # (name, model attribute args, [layer attributes])


def head(loss, units, i):
    if loss == "CrossEntropy":
        return f"[Dense({units}, Activation.{'Softmax' if i % 2 else 'Identity'})]"
    if loss == "BinaryCrossEntropy":
        return f"[Dense({units}, Activation.{'Sigmoid' if i % 2 else 'Identity'})]"
    return f"[Dense({units}, Activation.{['Identity', 'Tanh', 'Sigmoid', 'Relu', 'Softmax'][i % 5]})]"


i = 0
for kind in ["RnnTanh", "RnnRelu", "Lstm", "Gru"]:
    for size in SIZES:
        bi = i % 3 == 1
        loss = LOSSES[i % 4]
        reduction = "Sum" if i % 2 else "Mean"
        output = "LastStep" if i % 5 in (1, 3) else "EveryStep"
        inp = [1, 3, 8, 13, 5][i % 5]
        units = [1, 3, 5, 8, 13][i % 5] if loss != "CrossEntropy" else [3, 5, 13][i % 3]
        bi_arg = ", Bidirectional = true" if bi else ""
        if kind.startswith("Rnn"):
            layer = f"[Rnn({size}, Activation = Activation.{'Relu' if kind == 'RnnRelu' else 'Tanh'}{bi_arg})]"
        else:
            layer = f"[{kind}({size}{bi_arg})]"
        name = f"{kind}{size}{'Bi' if bi else ''}{loss[:3]}{reduction}{'Last' if output == 'LastStep' else 'Every'}"
        models.append((name, f"InputSize = {inp}, MaxSteps = 9, Loss = LossKind.{loss}, Reduction = Reduction.{reduction}, Output = OutputMode.{output}",
                       [layer, head(loss, units, i)]))
        i += 1

# Dense activations in the middle of a stack, and final recurrent layers.
for j, act in enumerate(["Identity", "Tanh", "Sigmoid", "Relu"]):
    models.append((f"DenseMid{act}", "InputSize = 3, MaxSteps = 6", [f"[Dense(8, Activation.{act})]", "[Gru(5)]", "[Dense(2)]"]))
models.append(("FinalRecurrentLstmBi", "InputSize = 2, MaxSteps = 6", ["[Gru(3)]", "[Lstm(4, Bidirectional = true)]"]))
models.append(("SingleRnn", "InputSize = 1, MaxSteps = 5, Output = OutputMode.LastStep", ["[Rnn(1)]"]))
# Stacks of 2 and 3 layers, embeddings.
models.append(("StackLstmGru", "InputSize = 3, MaxSteps = 8, Reduction = Reduction.Sum", ["[Lstm(13)]", "[Gru(8)]", "[Dense(1)]"]))
models.append(("StackThreeBi", "InputSize = 5, MaxSteps = 7, Loss = LossKind.BinaryCrossEntropy", ["[Rnn(5, Bidirectional = true)]", "[Lstm(13, Bidirectional = true)]", "[Gru(3)]", "[Dense(3)]"]))
models.append(("StackThree", "InputSize = 5, MaxSteps = 7, Loss = LossKind.BinaryCrossEntropy", ["[Rnn(5)]", "[Lstm(13)]", "[Gru(3)]", "[Dense(3)]"]))
models.append(("StackThreeLast", "InputSize = 8, MaxSteps = 10, Output = OutputMode.LastStep", ["[Gru(33)]", "[Rnn(8, Activation = Activation.Relu)]", "[Lstm(3)]", "[Dense(1, Activation.Tanh)]"]))
models.append(("CharLm", "MaxSteps = 12, Loss = LossKind.CrossEntropy", ["[Embedding(13, 5)]", "[Lstm(32)]", "[Dense(13, Activation.Softmax)]"]))
models.append(("TokenSentiment", "MaxSteps = 10, Loss = LossKind.BinaryCrossEntropy, Output = OutputMode.LastStep", ["[Embedding(33, 8)]", "[Gru(13, Bidirectional = true)]", "[Dense(1)]"]))
models.append(("TokenStack", "MaxSteps = 6, Loss = LossKind.CrossEntropy, Reduction = Reduction.Sum", ["[Embedding(7, 3)]", "[Rnn(8)]", "[Lstm(5, Bidirectional = true)]", "[Dense(7)]"]))
models.append(("Forecast64", "InputSize = 4, MaxSteps = 12", ["[Lstm(64)]", "[Gru(32, Bidirectional = true)]", "[Dense(4, Activation.Tanh)]"]))
# Leaky units (issue 6): both activations, bidirectional, inside a stack, a many-to-one head.
models.append(("LeakyTanh13", "InputSize = 3, MaxSteps = 9", ["[Rnn(13, Leak = 0.8f)]", "[Dense(2)]"]))
models.append(("LeakyReluBi8", "InputSize = 5, MaxSteps = 9, Reduction = Reduction.Sum", ["[Rnn(8, Activation = Activation.Relu, Bidirectional = true, Leak = 0.5f)]", "[Dense(3, Activation.Tanh)]"]))
models.append(("LeakyStack33Last", "InputSize = 8, MaxSteps = 10, Output = OutputMode.LastStep, Loss = LossKind.BinaryCrossEntropy", ["[Rnn(33, Leak = 0.95f)]", "[Lstm(8)]", "[Rnn(5, Leak = 0.25f)]", "[Dense(1)]"]))
# Echo state networks (issue 6): a fixed reservoir with a readout, leaky, and inside a stack.
models.append(("Reservoir33", "InputSize = 1, MaxSteps = 9", ["[Reservoir(33, SpectralRadius = 0.95f, Density = 0.2f)]", "[Dense(1)]"]))
models.append(("ReservoirLeakyStack", "InputSize = 3, MaxSteps = 8, Output = OutputMode.LastStep", ["[Dense(5, Activation.Tanh)]", "[Reservoir(64, Leak = 0.7f, InputScaling = 0.5f)]", "[Gru(8)]", "[Dense(2)]"]))
models.append(("LearnedLeakTanh8", "InputSize = 3, MaxSteps = 9", ["[Rnn(8, Leak = 0.6f, LearnLeak = true)]", "[Dense(2)]"]))
models.append(("LearnedLeakReluBiSkip13", "InputSize = 5, MaxSteps = 9, Reduction = Reduction.Sum", ["[Rnn(13, Activation = Activation.Relu, Bidirectional = true, Leak = 0.3f, LearnLeak = true, SkipDelay = 2)]", "[Dense(3)]"]))

# Skip connections through time (issue 6): delays 2, 3 and longer than the sequence, leaky, bidirectional, stacked.
models.append(("Skip2Tanh8", "InputSize = 3, MaxSteps = 9", ["[Rnn(8, SkipDelay = 2)]", "[Dense(2)]"]))
models.append(("Skip3LeakyReluBi13", "InputSize = 5, MaxSteps = 9, Reduction = Reduction.Sum", ["[Rnn(13, Activation = Activation.Relu, Bidirectional = true, Leak = 0.5f, SkipDelay = 3)]", "[Dense(3, Activation.Tanh)]"]))
models.append(("Skip12Stack33Last", "InputSize = 4, MaxSteps = 10, Output = OutputMode.LastStep", ["[Gru(8)]", "[Rnn(33, SkipDelay = 12)]", "[Dense(1)]"]))
# Clockwork groups: periods with a cycle shorter and longer than the sequence, ReLU, inside a stack, a width the
# streaming kernels would take (routed to the portable ones).
models.append(("Clockwork16Tanh", "InputSize = 3, MaxSteps = 9", ["[Rnn(16, ClockPeriods = new[] { 1, 2, 4, 8 })]", "[Dense(2)]"]))
models.append(("ClockworkRelu33StackLast", "InputSize = 4, MaxSteps = 10, Output = OutputMode.LastStep, Reduction = Reduction.Sum", ["[Gru(8)]", "[Rnn(33, Activation = Activation.Relu, ClockPeriods = new[] { 1, 3, 5 })]", "[Dense(1)]"]))
models.append(("Clockwork64Ce", "InputSize = 8, MaxSteps = 9, Loss = LossKind.CrossEntropy", ["[Rnn(64, ClockPeriods = new[] { 1, 2, 4, 8, 16, 32, 64, 128 })]", "[Dense(5)]"]))
models.append(("ClockworkSingleGroup3", "InputSize = 2, MaxSteps = 7", ["[Rnn(3, ClockPeriods = new[] { 2 })]", "[Dense(1)]"]))
# Skip connections replacing the unit delay: no W_hh; leaky, bidirectional, learned leak, longer than the sequence.
models.append(("SkipOnly2Tanh8", "InputSize = 3, MaxSteps = 9", ["[Rnn(8, SkipDelay = 2, ReplaceUnitDelay = true)]", "[Dense(2)]"]))
models.append(("SkipOnly3LeakyReluBi13", "InputSize = 5, MaxSteps = 9, Reduction = Reduction.Sum", ["[Rnn(13, Activation = Activation.Relu, Bidirectional = true, Leak = 0.5f, SkipDelay = 3, ReplaceUnitDelay = true)]", "[Dense(3, Activation.Tanh)]"]))
models.append(("SkipOnly12LearnedLeakStackLast", "InputSize = 4, MaxSteps = 10, Output = OutputMode.LastStep", ["[Gru(8)]", "[Rnn(32, SkipDelay = 12, ReplaceUnitDelay = true, Leak = 0.3f, LearnLeak = true)]", "[Dense(1)]"]))
# Output recurrence (Jordan, issue 6): no hidden recurrence; the input is [x(t); y(t - 1)] (teacher-forced in training).
models.append(("JordanTanh16", "InputSize = 3, MaxSteps = 9", ["[Dense(16, Activation.Tanh)]", "[Dense(2)]"]))
# LSTM peepholes (p_i, p_f read c(t-1), p_o reads c(t)): whole vectors, remainder lanes, bidirectional, stacked, tokens.
models.append(("PeepholeLstm8", "InputSize = 3, MaxSteps = 9", ["[Lstm(8, Peepholes = true)]", "[Dense(2)]"]))
models.append(("PeepholeLstmBi13", "InputSize = 5, MaxSteps = 9, Reduction = Reduction.Sum", ["[Lstm(13, Bidirectional = true, Peepholes = true)]", "[Dense(3, Activation.Tanh)]"]))
models.append(("PeepholeStack37Last", "InputSize = 4, MaxSteps = 10, Output = OutputMode.LastStep, Loss = LossKind.BinaryCrossEntropy", ["[Lstm(37, Peepholes = true)]", "[Lstm(16, Peepholes = true)]", "[Dense(1)]"]))
models.append(("PeepholeTokensLstm32", "MaxSteps = 9, Loss = LossKind.CrossEntropy", ["[Embedding(11, 6)]", "[Lstm(32, Peepholes = true)]", "[Dense(11, Activation.Softmax)]"]))
# LSTM projections (PyTorch's proj_size: h = W_hr (o * tanh(c)), p wide): whole vectors, odd p and H, bidirectional, a
# projected layer feeding another, streaming (the specialised kernels decline projections), tokens.
models.append(("ProjectionLstm16P8", "InputSize = 3, MaxSteps = 9", ["[Lstm(16, ProjectionSize = 8)]", "[Dense(2)]"]))
models.append(("ProjectionLstm13P5", "InputSize = 4, MaxSteps = 9, Reduction = Reduction.Sum", ["[Lstm(13, ProjectionSize = 5)]", "[Dense(3, Activation.Tanh)]"]))
models.append(("ProjectionLstmBi13P5", "InputSize = 5, MaxSteps = 9", ["[Lstm(13, Bidirectional = true, ProjectionSize = 5)]", "[Dense(3)]"]))
models.append(("ProjectionStack37Last", "InputSize = 4, MaxSteps = 10, Output = OutputMode.LastStep, Loss = LossKind.BinaryCrossEntropy", ["[Lstm(37, ProjectionSize = 11)]", "[Lstm(16, ProjectionSize = 3)]", "[Dense(1)]"]))
models.append(("ProjectionTokensLstm32", "MaxSteps = 9, Loss = LossKind.CrossEntropy", ["[Embedding(11, 6)]", "[Lstm(32, ProjectionSize = 9)]", "[Dense(11, Activation.Softmax)]"]))
# Learned initial states (LearnInitialState): Elman (leaky), bidirectional LSTM, GRU, a stack over tokens.
models.append(("LearnedStateRnnLeaky8", "InputSize = 3, MaxSteps = 9", ["[Rnn(8, Leak = 0.5f, LearnInitialState = true)]", "[Dense(2)]"]))
models.append(("LearnedStateLstmBi13", "InputSize = 5, MaxSteps = 9, Reduction = Reduction.Sum", ["[Lstm(13, Bidirectional = true, LearnInitialState = true)]", "[Dense(3, Activation.Tanh)]"]))
models.append(("LearnedStateGru16Last", "InputSize = 4, MaxSteps = 10, Output = OutputMode.LastStep", ["[Gru(16, LearnInitialState = true)]", "[Dense(1)]"]))
models.append(("LearnedStateTokensGruLstm", "MaxSteps = 9, Loss = LossKind.CrossEntropy", ["[Embedding(11, 6)]", "[Gru(12, LearnInitialState = true)]", "[Lstm(8, Peepholes = true, LearnInitialState = true)]", "[Dense(11, Activation.Softmax)]"]))
# GRU with the reset before the recurrent product (ResetAfter = false: n = tanh(W_in x + b_in + W_hn (r * h) + b_hn)):
# whole vectors, remainder lanes, bidirectional, stacked under and over PyTorch's form, tokens, a learned initial state,
# dropout on outputs and h(t - 1); the specialised streaming kernels decline it, so Step keeps the portable cell.
models.append(("ResetBeforeGru8", "InputSize = 3, MaxSteps = 9", ["[Gru(8, ResetAfter = false)]", "[Dense(2)]"]))
models.append(("ResetBeforeGru13", "InputSize = 4, MaxSteps = 9, Reduction = Reduction.Sum", ["[Gru(13, ResetAfter = false)]", "[Dense(3, Activation.Tanh)]"]))
models.append(("ResetBeforeGruBi13", "InputSize = 5, MaxSteps = 9", ["[Gru(13, Bidirectional = true, ResetAfter = false)]", "[Dense(3)]"]))
models.append(("ResetBeforeStack37Last", "InputSize = 4, MaxSteps = 10, Output = OutputMode.LastStep, Loss = LossKind.BinaryCrossEntropy", ["[Gru(37, ResetAfter = false)]", "[Gru(16)]", "[Gru(8, ResetAfter = false)]", "[Dense(1)]"]))
models.append(("ResetBeforeTokensGru32", "MaxSteps = 9, Loss = LossKind.CrossEntropy", ["[Embedding(11, 6)]", "[Gru(32, ResetAfter = false)]", "[Dense(11, Activation.Softmax)]"]))
models.append(("ResetBeforeLearnedStateGru16Last", "InputSize = 4, MaxSteps = 10, Output = OutputMode.LastStep", ["[Gru(16, ResetAfter = false, LearnInitialState = true)]", "[Dense(1)]"]))
models.append(("ResetBeforeDropoutGru12", "InputSize = 3, MaxSteps = 8", ["[Gru(12, ResetAfter = false, Dropout = 0.2f, RecurrentDropout = 0.3f)]", "[Dense(2)]"]))
models.append(("ResetBeforeDropoutGruBiCe", "InputSize = 4, MaxSteps = 8, Loss = LossKind.CrossEntropy", ["[Gru(13, Bidirectional = true, ResetAfter = false, RecurrentDropout = 0.4f)]", "[Dense(3)]"]))

# The streaming kernels written for the shape: every plan the generator can choose (Vector512 and Vector256 widths,
# one and several register passes with a remainder, looped and unrolled columns, Dense row blocks full and padded,
# Dense dot products, a Dense layer between others, token inputs, a recurrent last layer).
models.append(("StreamLstm1x8", "InputSize = 1, MaxSteps = 9", ["[Lstm(8)]", "[Dense(1)]"]))
models.append(("StreamLstm8x32", "InputSize = 8, MaxSteps = 9", ["[Lstm(32)]", "[Dense(8)]"]))
models.append(("StreamLstm3x128Softmax65", "InputSize = 3, MaxSteps = 6, Loss = LossKind.CrossEntropy", ["[Lstm(128)]", "[Dense(65, Activation.Softmax)]"]))
models.append(("StreamGru5x48", "InputSize = 5, MaxSteps = 9", ["[Gru(48)]", "[Dense(16, Activation.Tanh)]"]))
models.append(("StreamGru1x8Sigmoid3", "InputSize = 1, MaxSteps = 9, Loss = LossKind.BinaryCrossEntropy", ["[Gru(8)]", "[Dense(3, Activation.Sigmoid)]"]))
models.append(("StreamRnnRelu7x24", "InputSize = 7, MaxSteps = 9", ["[Rnn(24, Activation = Activation.Relu)]", "[Dense(24)]"]))
models.append(("StreamRnn16x64", "InputSize = 16, MaxSteps = 9, Output = OutputMode.LastStep", ["[Rnn(64)]", "[Dense(2)]"]))
models.append(("StreamStackLstmGruDense", "InputSize = 16, MaxSteps = 9", ["[Lstm(32)]", "[Gru(16)]", "[Dense(12, Activation.Relu)]", "[Dense(4)]"]))
models.append(("StreamTokensLstm16", "MaxSteps = 9, Loss = LossKind.CrossEntropy", ["[Embedding(20, 8)]", "[Lstm(16)]", "[Dense(20, Activation.Softmax)]"]))
models.append(("StreamGruLast16", "InputSize = 4, MaxSteps = 9", ["[Gru(16)]"]))
models.append(("StreamDenseFirstLstm8", "InputSize = 5, MaxSteps = 9", ["[Dense(16, Activation.Tanh)]", "[Lstm(8)]", "[Dense(1)]"]))

# Dropout on outputs and on h(t - 1) in the recurrent products: with Training = false these must match the reference
# like any model; DropoutTests run them with Training = true and one seed on both runtimes.
models.append(("DropoutLstmStack", "InputSize = 3, MaxSteps = 9", ["[Lstm(8, Dropout = 0.3f, RecurrentDropout = 0.25f)]", "[Dense(6, Activation.Tanh, Dropout = 0.2f)]", "[Dense(2)]"]))
models.append(("DropoutGruBiCe", "InputSize = 4, MaxSteps = 8, Loss = LossKind.CrossEntropy", ["[Gru(13, Bidirectional = true, Dropout = 0.1f, RecurrentDropout = 0.4f)]", "[Dense(3)]"]))
models.append(("DropoutRnnLeakySkipLast", "InputSize = 2, MaxSteps = 9, Output = OutputMode.LastStep", ["[Rnn(8, Leak = 0.5f, SkipDelay = 2, Dropout = 0.5f, RecurrentDropout = 0.3f)]", "[Dense(2)]"]))
models.append(("DropoutTokensRelu", "MaxSteps = 8, Loss = LossKind.CrossEntropy, Reduction = Reduction.Sum", ["[Embedding(11, 5, Dropout = 0.2f)]", "[Rnn(8, Activation = Activation.Relu, RecurrentDropout = 0.2f)]", "[Lstm(4, Bidirectional = true, RecurrentDropout = 0.3f)]", "[Dense(11)]"]))

# Twins of the PyTorch fixtures (tests/RnnGen.Tests/Fixtures/*.json), so generated code is checked against PyTorch too.
import json
FIXTURES = OUT.parent.parent / "Fixtures"
twins = []
for path in sorted(FIXTURES.glob("*.json")):
    spec = json.loads(path.read_text())["spec"]
    parts = [f"MaxSteps = {spec['maxSteps']}", f"Loss = LossKind.{spec['loss']}", f"Reduction = Reduction.{spec['reduction']}",
             f"Output = OutputMode.{spec['output']}"]
    if spec["inputSize"]:
        parts.insert(0, f"InputSize = {spec['inputSize']}")
    layers = []
    for l in spec["layers"]:
        k = l["kind"]
        bi = ", Bidirectional = true" if l["bidirectional"] else ""
        if k == "Embedding":
            layers.append(f"[Embedding({l['vocabulary']}, {l['size']})]")
        elif k == "Dense":
            layers.append(f"[Dense({l['size']}, Activation.{l['activation']})]")
        elif k == "Rnn":
            layers.append(f"[Rnn({l['size']}, Activation = Activation.{l['activation']}{bi})]")
        else:
            projection = f", ProjectionSize = {l['projectionSize']}" if l.get("projectionSize") else ""
            reset = ", ResetAfter = false" if l.get("resetAfter") is False else ""
            layers.append(f"[{k}({l['size']}{bi}{projection}{reset})]")
    name = "Fixture_" + path.stem
    twins.append((name, path.stem))
    models.append((name, ", ".join(parts), layers))

lines = ["// <auto-generated by tools/make_model_matrix.py/>", "namespace RnnGen.Tests.Generated.Matrix;", ""]
for name, args, layers in models:
    lines.append(f"[RnnModel({args})]")
    lines += layers
    lines.append(f"public partial class {name};")
    lines.append("")
lines.append("public static class MatrixModels")
lines.append("{")
lines.append("    public static readonly (string Name, System.Func<IRecurrentNetwork> Create)[] All =")
lines.append("    [")
for name, _, _ in models:
    if not name.startswith("Fixture_"):
        lines.append(f"        (\"{name}\", () => new {name}()),")
lines.append("    ];")
lines.append("")
lines.append("    /// <summary>Generated twins of the PyTorch fixtures: fixture name → model.</summary>")
lines.append("    public static readonly (string Fixture, System.Func<IRecurrentNetwork> Create)[] FixtureTwins =")
lines.append("    [")
for name, fixture in twins:
    lines.append(f"        (\"{fixture}\", () => new {name}()),")
lines.append("    ];")
lines.append("}")
OUT.write_text("\n".join(lines) + "\n")
print(f"{len(models)} models -> {OUT}")
