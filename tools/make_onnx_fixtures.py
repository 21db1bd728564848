#!/usr/bin/python3
"""Writes the ONNX fixtures that tests/RnnGen.Interop.Tests imports and runs with ONNX Runtime.

Run with Debian's own python3 (torch 1.13, onnx 1.12), not a pyenv python:

    /usr/bin/python3 tools/make_onnx_fixtures.py

Every model is seeded, so the files are reproducible. Into tests/RnnGen.Interop.Tests/Fixtures/onnx/ it writes
NAME.onnx plus NAME.json: the input the tests feed ("input", float [T, 1, in], [1, T, in] or int64 tokens [T, 1]) and the
outputs PyTorch computed for it (the tests compare RnnGen with ONNX Runtime, and ONNX Runtime with these).
Most models are torch modules exported by torch.onnx.export (opset 14); the ONNX-only cases (a reverse-direction
LSTM, a GRU with linear_before_reset = 0, a peephole LSTM) are built with onnx.helper.
"""
import json
import pathlib

import numpy as np
import onnx
import torch
import torch.nn as nn
from onnx import TensorProto, helper, numpy_helper

OUT = pathlib.Path(__file__).resolve().parent.parent / "tests" / "RnnGen.Interop.Tests" / "Fixtures" / "onnx"
STEPS = 6


def write_json(name, inputs, outputs, **extra):
    data = {"input": np.asarray(inputs).reshape(-1).tolist(), "shape": list(np.asarray(inputs).shape),
            "output": np.asarray(outputs, dtype=np.float32).reshape(-1).tolist(),
            "outputShape": list(np.asarray(outputs).shape)}
    data.update(extra)
    (OUT / f"{name}.json").write_text(json.dumps(data, indent=1) + "\n")


def export(name, module, x, dynamic=True, time_axis=0, axes=None):
    module.eval()
    with torch.no_grad():
        y = module(x)
    path = OUT / f"{name}.onnx"
    if axes is None:
        axes = {"input": {time_axis: "steps"}, "output": {time_axis: "steps"}} if dynamic else None
    torch.onnx.export(module, (x,), str(path), input_names=["input"], output_names=["output"], opset_version=14,
                      dynamic_axes=axes, do_constant_folding=True)
    write_json(name, x.numpy(), y.numpy())


class LstmStack(nn.Module):
    """nn.LSTM(3, 5, num_layers=2) + nn.Linear(5, 2)."""
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(3, 5, num_layers=2)
        self.head = nn.Linear(5, 2)

    def forward(self, x):
        y, _ = self.lstm(x)
        return self.head(y)


class BiGruSoftmax(nn.Module):
    """bidirectional nn.GRU(4, 6) + nn.Linear(12, 3) + softmax."""
    def __init__(self):
        super().__init__()
        self.gru = nn.GRU(4, 6, bidirectional=True)
        self.head = nn.Linear(12, 3)

    def forward(self, x):
        y, _ = self.gru(x)
        return torch.softmax(self.head(y), dim=-1)


class RnnRelu(nn.Module):
    """nn.RNN(3, 7, nonlinearity='relu', num_layers=2) + nn.Linear(7, 1)."""
    def __init__(self):
        super().__init__()
        self.rnn = nn.RNN(3, 7, nonlinearity="relu", num_layers=2)
        self.head = nn.Linear(7, 1)

    def forward(self, x):
        y, _ = self.rnn(x)
        return self.head(y)


class LstmLastGemmSigmoid(nn.Module):
    """nn.LSTM(2, 8) → last step [B, 8] → nn.Linear(8, 3) (a Gemm) → sigmoid."""
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(2, 8)
        self.head = nn.Linear(8, 3)

    def forward(self, x):
        y, _ = self.lstm(x)
        return torch.sigmoid(self.head(y[-1]))


class LstmInitialState(nn.Module):
    """nn.LSTM(3, 4, bidirectional=True) from constant learned h0, c0 + nn.Linear(8, 2) + tanh."""
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(3, 4, bidirectional=True)
        self.h0 = nn.Parameter(torch.randn(2, 1, 4) * 0.5)
        self.c0 = nn.Parameter(torch.randn(2, 1, 4) * 0.5)
        self.head = nn.Linear(8, 2)

    def forward(self, x):
        y, _ = self.lstm(x, (self.h0, self.c0))
        return torch.tanh(self.head(y))


class EmbeddingLstm(nn.Module):
    """nn.Embedding(10, 4) + nn.LSTM(4, 5) + nn.Linear(5, 10) + softmax, over int64 tokens [T, 1]."""
    def __init__(self):
        super().__init__()
        self.embedding = nn.Embedding(10, 4)
        self.lstm = nn.LSTM(4, 5)
        self.head = nn.Linear(5, 10)

    def forward(self, tokens):
        y, _ = self.lstm(self.embedding(tokens))
        return torch.softmax(self.head(y), dim=-1)


class LstmBidirectionalStack(nn.Module):
    """nn.LSTM(3, 4, num_layers=2, bidirectional=True) + nn.Linear(8, 2)."""
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(3, 4, num_layers=2, bidirectional=True)
        self.head = nn.Linear(8, 2)

    def forward(self, x):
        y, _ = self.lstm(x)
        return self.head(y)


class LstmFinalHidden(nn.Module):
    """nn.LSTM(3, 6) → h_n[-1] [B, 6] → nn.Linear(6, 2): the head reads the final hidden state."""
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(3, 6)
        self.head = nn.Linear(6, 2)

    def forward(self, x):
        _, (h, _) = self.lstm(x)
        return self.head(h[-1])


class LstmStackFinalHidden(nn.Module):
    """nn.LSTM(3, 5, num_layers=2) → h_n[-1] (torch concatenates the layers' Y_h) → nn.Linear(5, 2) + relu."""
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(3, 5, num_layers=2)
        self.head = nn.Linear(5, 2)

    def forward(self, x):
        _, (h, _) = self.lstm(x)
        return torch.relu(self.head(h[-1]))


class GruBatchFirst(nn.Module):
    """nn.GRU(3, 5, batch_first=True) + nn.Linear(5, 1) + tanh over [1, T, 3]."""
    def __init__(self):
        super().__init__()
        self.gru = nn.GRU(3, 5, batch_first=True)
        self.head = nn.Linear(5, 1)

    def forward(self, x):
        y, _ = self.gru(x)
        return torch.tanh(self.head(y))


class LstmBatchFirst(nn.Module):
    """nn.LSTM(3, 4, batch_first=True) + nn.Linear(4, 2) over [1, T, 3], exported with a dynamic batch and length."""
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(3, 4, batch_first=True)
        self.head = nn.Linear(4, 2)

    def forward(self, x):
        y, _ = self.lstm(x)
        return self.head(y)


def tensor(name, array):
    return numpy_helper.from_array(np.asarray(array, dtype=np.float32), name)


def helper_model(name, node, weights, hidden, directions, x, extra_nodes=(), output="Y2"):
    """One recurrent node (Y [T, D, 1, H]) → Transpose → Reshape [T, 1, D·H], as torch exports it."""
    nodes = [node,
             helper.make_node("Transpose", ["Y"], ["Yt"], perm=[0, 2, 1, 3], name="transpose"),
             helper.make_node("Reshape", ["Yt", "shape"], [output], name="reshape"), *extra_nodes]
    init = [tensor(k, v) for k, v in weights.items()]
    init.append(numpy_helper.from_array(np.array([0, 0, -1], dtype=np.int64), "shape"))
    graph = helper.make_graph(nodes, name,
                              [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["steps", 1, x.shape[2]])],
                              [helper.make_tensor_value_info("output", TensorProto.FLOAT, ["steps", 1, "width"])], init)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)], producer_name="make_onnx_fixtures")
    model.ir_version = 7
    onnx.checker.check_model(model)
    onnx.save(model, str(OUT / f"{name}.onnx"))


def sigmoid(v):
    return 1 / (1 + np.exp(-v))


def reverse_lstm(rng):
    """A reverse-direction LSTM(3 → 4) + MatMul/Add head (2 outputs), built with onnx.helper."""
    I, H, U = 3, 4, 2
    W = rng.uniform(-0.5, 0.5, (1, 4 * H, I)).astype(np.float32)
    R = rng.uniform(-0.5, 0.5, (1, 4 * H, H)).astype(np.float32)
    B = rng.uniform(-0.5, 0.5, (1, 8 * H)).astype(np.float32)
    Wd = rng.uniform(-0.5, 0.5, (H, U)).astype(np.float32)
    bd = rng.uniform(-0.5, 0.5, (U,)).astype(np.float32)
    x = rng.uniform(-1, 1, (STEPS, 1, I)).astype(np.float32)
    node = helper.make_node("LSTM", ["input", "W", "R", "B"], ["Y"], hidden_size=H, direction="reverse", name="lstm_reverse")
    head = [helper.make_node("MatMul", ["Y2", "Wd"], ["M"], name="head_matmul"),
            helper.make_node("Add", ["M", "bd"], ["output"], name="head_add")]
    helper_model("lstm_reverse", node, {"W": W, "R": R, "B": B, "Wd": Wd, "bd": bd}, H, 1, x, head)
    # numpy reference (gates i, o, f, c)
    h, c, ys = np.zeros(H, np.float32), np.zeros(H, np.float32), [None] * STEPS
    for t in reversed(range(STEPS)):
        a = W[0] @ x[t, 0] + R[0] @ h + B[0, :4 * H] + B[0, 4 * H:]
        i, o, f, g = sigmoid(a[:H]), sigmoid(a[H:2 * H]), sigmoid(a[2 * H:3 * H]), np.tanh(a[3 * H:])
        c = f * c + i * g
        h = o * np.tanh(c)
        ys[t] = h @ Wd + bd
    write_json("lstm_reverse", x, np.stack(ys)[:, None, :])


def gru_lbr0(rng):
    """A GRU(3 → 5) with linear_before_reset = 0 (the ONNX default), built with onnx.helper."""
    I, H = 3, 5
    W = rng.uniform(-0.5, 0.5, (1, 3 * H, I)).astype(np.float32)
    R = rng.uniform(-0.5, 0.5, (1, 3 * H, H)).astype(np.float32)
    B = rng.uniform(-0.5, 0.5, (1, 6 * H)).astype(np.float32)
    x = rng.uniform(-1, 1, (STEPS, 1, I)).astype(np.float32)
    node = helper.make_node("GRU", ["input", "W", "R", "B"], ["Y"], hidden_size=H, name="gru_lbr0")
    helper_model("gru_lbr0", node, {"W": W, "R": R, "B": B}, H, 1, x, output="output")
    h, ys = np.zeros(H, np.float32), []
    Wb, Rb = B[0, :3 * H], B[0, 3 * H:]
    for t in range(STEPS):
        xw = W[0] @ x[t, 0] + Wb
        z = sigmoid(xw[:H] + R[0, :H] @ h + Rb[:H])
        r = sigmoid(xw[H:2 * H] + R[0, H:2 * H] @ h + Rb[H:2 * H])
        n = np.tanh(xw[2 * H:] + R[0, 2 * H:] @ (r * h) + Rb[2 * H:])
        h = (1 - z) * n + z * h
        ys.append(h)
    write_json("gru_lbr0", x, np.stack(ys)[:, None, :])


def lstm_peepholes(rng):
    """An LSTM(2 → 3) with peepholes P [1, 3H] (i, o, f), built with onnx.helper."""
    I, H = 2, 3
    W = rng.uniform(-0.5, 0.5, (1, 4 * H, I)).astype(np.float32)
    R = rng.uniform(-0.5, 0.5, (1, 4 * H, H)).astype(np.float32)
    B = rng.uniform(-0.5, 0.5, (1, 8 * H)).astype(np.float32)
    P = rng.uniform(-0.5, 0.5, (1, 3 * H)).astype(np.float32)
    x = rng.uniform(-1, 1, (STEPS, 1, I)).astype(np.float32)
    node = helper.make_node("LSTM", ["input", "W", "R", "B", "", "", "", "P"], ["Y"], hidden_size=H, name="lstm_peepholes")
    helper_model("lstm_peepholes", node, {"W": W, "R": R, "B": B, "P": P}, H, 1, x, output="output")
    h, c, ys = np.zeros(H, np.float32), np.zeros(H, np.float32), []
    for t in range(STEPS):
        a = W[0] @ x[t, 0] + R[0] @ h + B[0, :4 * H] + B[0, 4 * H:]
        i = sigmoid(a[:H] + P[0, :H] * c)
        f = sigmoid(a[2 * H:3 * H] + P[0, 2 * H:] * c)
        g = np.tanh(a[3 * H:])
        c = f * c + i * g
        o = sigmoid(a[H:2 * H] + P[0, H:2 * H] * c)
        h = o * np.tanh(c)
        ys.append(h)
    write_json("lstm_peepholes", x, np.stack(ys)[:, None, :])


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(1)
    export("lstm_stack", LstmStack(), torch.randn(STEPS, 1, 3))
    torch.manual_seed(2)
    export("gru_bidirectional_softmax", BiGruSoftmax(), torch.randn(STEPS, 1, 4))
    torch.manual_seed(3)
    export("rnn_relu", RnnRelu(), torch.randn(STEPS, 1, 3))
    torch.manual_seed(4)
    export("lstm_gemm_sigmoid", LstmLastGemmSigmoid(), torch.randn(STEPS, 1, 2))
    torch.manual_seed(5)
    export("lstm_initial_state", LstmInitialState(), torch.randn(STEPS, 1, 3))
    torch.manual_seed(6)
    tokens = torch.randint(0, 10, (STEPS, 1))
    export("embedding_lstm_softmax", EmbeddingLstm(), tokens)
    torch.manual_seed(7)
    export("lstm_fixed_shape", LstmStack(), torch.randn(STEPS, 1, 3), dynamic=False)
    torch.manual_seed(9)
    export("lstm_bidirectional_stack", LstmBidirectionalStack(), torch.randn(STEPS, 1, 3))
    torch.manual_seed(10)
    export("lstm_final_hidden", LstmFinalHidden(), torch.randn(STEPS, 1, 3))
    torch.manual_seed(12)
    export("lstm_stack_final_hidden", LstmStackFinalHidden(), torch.randn(STEPS, 1, 3))
    torch.manual_seed(11)
    export("gru_batch_first", GruBatchFirst(), torch.randn(1, STEPS, 3), time_axis=1)
    torch.manual_seed(13)
    export("lstm_batch_first_dynamic", LstmBatchFirst(), torch.randn(1, STEPS, 3),
           axes={"input": {0: "batch", 1: "seq"}, "output": {0: "batch", 1: "seq"}})
    rng = np.random.default_rng(8)
    reverse_lstm(rng)
    gru_lbr0(rng)
    lstm_peepholes(rng)


if __name__ == "__main__":
    main()
