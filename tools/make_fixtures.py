#!/usr/bin/python3
"""Writes the PyTorch golden fixtures that the C# tests compare against.

Run with Debian's own python3 and torch (apt-get install -y python3-torch), not a pyenv python:

    /usr/bin/python3 tools/make_fixtures.py

For every network below it writes, into tests/RnnGen.Tests/Fixtures/:
  NAME.safetensors          the model's state_dict, PyTorch names (layers.{i}.weight_ih_l0, ...)
  NAME.expected.safetensors inputs, targets, outputs, initial/final state, and every gradient
  NAME.json                 the RnnGen NetworkSpec, steps, loss, token ids and class ids
plus optimizer.* (torch.optim SGD/Adam trajectories, clip_grad_norm_), clip_value.* (a few training updates with
clip_grad_value_, alone and after clip_grad_norm_), plateau.* (ReduceLROnPlateau's rates over a loss sequence) and remap.* (a checkpoint whose
module layout differs from ours, loaded through a name map). The tests never need Python.
"""
import json
import pathlib
import struct

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

OUT = pathlib.Path(__file__).resolve().parent.parent / "tests" / "RnnGen.Tests" / "Fixtures"


def save_safetensors(path, tensors, metadata=None):
    """Minimal safetensors writer (F32 only): 8-byte LE header size, JSON header, raw LE data."""
    header, blobs, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = metadata
    for name, value in tensors.items():
        array = np.ascontiguousarray(np.asarray(value, dtype="<f4"))
        blob = array.tobytes()
        header[name] = {"dtype": "F32", "shape": list(array.shape), "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)


def layer(kind, size, activation="Tanh", bidirectional=False, vocabulary=0):
    if kind == "Dense" and activation == "Tanh":
        activation = "Identity"
    if kind == "Embedding":
        activation = "Identity"
    return {"kind": kind, "size": size, "activation": activation, "bidirectional": bidirectional, "vocabulary": vocabulary}


def ProjectedLstm(size, projection, bidirectional=False):
    """nn.LSTM(..., proj_size=projection): h = W_hr (o * tanh(c)), W_hr = weight_hr_l0 [p, H]."""
    return dict(layer("Lstm", size, "Tanh", bidirectional), projectionSize=projection)


def hidden_width(l):
    """The width of h per direction: the projection of a projected LSTM, else the size."""
    return l.get("projectionSize", 0) or l["size"]


def Dense(units, activation="Identity"):
    return layer("Dense", units, activation)


ACTIVATIONS = {"Identity": lambda z: z, "Tanh": torch.tanh, "Sigmoid": torch.sigmoid, "Relu": torch.relu,
               "Softmax": lambda z: torch.softmax(z, dim=-1)}


class Net(nn.Module):
    """Declared layer i is the module layers.i, so the state_dict names are RnnGen's."""

    def __init__(self, spec):
        super().__init__()
        self.spec = spec
        self.layers = nn.ModuleList()
        width = spec["inputSize"]
        for l in spec["layers"]:
            k, h, bi = l["kind"], l["size"], l["bidirectional"]
            if k == "Embedding":
                m = nn.Embedding(l["vocabulary"], h)
            elif k == "Rnn":
                m = nn.RNN(width, h, nonlinearity=l["activation"].lower(), bidirectional=bi)
            elif k == "Lstm":
                m = nn.LSTM(width, h, bidirectional=bi, proj_size=l.get("projectionSize", 0))
            elif k == "Gru":
                m = nn.GRU(width, h, bidirectional=bi)
            else:
                m = nn.Linear(width, h)
            self.layers.append(m)
            width = hidden_width(l) * (2 if bi else 1)

    def forward(self, x, states):
        """x: (T, I) floats or (T,) token ids; states: per recurrent layer, h0 or (h0, c0) of shape (D, 1, H).
        Returns outputs (T, O), the final Dense pre-activation (T, O) or None, and the final states."""
        finals, z, si = [], None, 0
        for spec, m in zip(self.spec["layers"], self.layers):
            k = spec["kind"]
            if k == "Embedding":
                x = m(x)
            elif k in ("Rnn", "Lstm", "Gru"):
                y, hn = m(x.unsqueeze(1), states[si])
                si += 1
                finals.append(hn)
                x = y.squeeze(1)
            else:
                z = m(x)
                x = ACTIVATIONS[spec["activation"]](z)
        return x, z, finals


def flatten_state(spec, states):
    """RnnGen's state layout: per recurrent layer, per direction: h then (LSTM) c."""
    parts, si = [], 0
    for l in spec["layers"]:
        if l["kind"] not in ("Rnn", "Lstm", "Gru"):
            continue
        s = states[si]
        si += 1
        for d in range(2 if l["bidirectional"] else 1):
            if l["kind"] == "Lstm":
                parts += [s[0][d, 0], s[1][d, 0]]
            else:
                parts.append(s[d, 0])
    return torch.cat(parts) if parts else torch.zeros(0)


def make_states(spec, random_state, gen):
    states = []
    for l in spec["layers"]:
        if l["kind"] not in ("Rnn", "Lstm", "Gru"):
            continue
        directions = 2 if l["bidirectional"] else 1
        def one(width):
            shape = (directions, 1, width)
            t = torch.randn(shape, generator=gen) * 0.5 if random_state else torch.zeros(shape)
            return t.requires_grad_(True)
        states.append((one(hidden_width(l)), one(l["size"])) if l["kind"] == "Lstm" else one(l["size"]))
    return states


def fixture(name, spec, steps, seed, random_state=False):
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed + 1)
    net = Net(spec)
    tokens = spec["layers"][0]["kind"] == "Embedding"
    if tokens:
        x = torch.randint(0, spec["layers"][0]["vocabulary"], (steps,), generator=gen)
    else:
        x = torch.randn(steps, spec["inputSize"], generator=gen).requires_grad_(True)
    states = make_states(spec, random_state, gen)
    initial = flatten_state(spec, states).detach().clone()

    y, z, finals = net(x, states)
    last = spec["output"] == "LastStep"
    out = y[-1:] if last else y
    logits = (z[-1:] if last else z) if z is not None else None
    reduction = spec["reduction"].lower()
    classes = out.shape[1]
    loss_kind = spec["loss"]
    class_ids = None
    if loss_kind == "MeanSquaredError":
        target = torch.randn(out.shape, generator=gen)
        loss = F.mse_loss(out, target, reduction=reduction)
    elif loss_kind == "BinaryCrossEntropy":
        target = torch.rand(out.shape, generator=gen)
        loss = F.binary_cross_entropy_with_logits(logits, target, reduction=reduction)
    else:
        class_ids = torch.randint(0, classes, (out.shape[0],), generator=gen)
        target = None
        loss = F.cross_entropy(logits, class_ids, reduction=reduction)
    loss.backward()

    state_dict = {k: v.detach().numpy() for k, v in net.state_dict().items()}
    save_safetensors(OUT / f"{name}.safetensors", state_dict, {"format": "pt"})
    expected = {
        "outputs": out.detach().numpy(),
        "initial_state": initial.numpy(),
        "final_state": flatten_state(spec, finals).detach().numpy(),
        "initial_state_grad": flatten_state(spec, [tuple(t.grad for t in s) if isinstance(s, tuple) else s.grad
                                                   for s in states]).numpy(),
    }
    if not tokens:
        expected["inputs"] = x.detach().numpy()
        expected["input_grad"] = x.grad.numpy()
    if target is not None:
        expected["targets"] = target.numpy()
    for k, p in net.named_parameters():
        expected["grad." + k] = p.grad.numpy()
    save_safetensors(OUT / f"{name}.expected.safetensors", expected)
    meta = {"spec": spec, "steps": steps, "loss": loss.item(), "torch": torch.__version__}
    if tokens:
        meta["tokens"] = x.tolist()
    if class_ids is not None:
        meta["classIds"] = class_ids.tolist()
    (OUT / f"{name}.json").write_text(json.dumps(meta, indent=1) + "\n")
    print(f"{name}: loss {loss.item():.6f}")


def spec(input_size, layers, max_steps, output="EveryStep", loss="MeanSquaredError", reduction="Mean"):
    return {"inputSize": input_size, "layers": layers, "maxSteps": max_steps, "output": output, "loss": loss,
            "reduction": reduction}


def networks():
    R, L, G = (lambda h, a="Tanh", bi=False: layer("Rnn", h, a, bi)), \
              (lambda h, bi=False: layer("Lstm", h, "Tanh", bi)), (lambda h, bi=False: layer("Gru", h, "Tanh", bi))
    E = lambda v, w: layer("Embedding", w, vocabulary=v)
    fixture("rnn_tanh", spec(3, [R(5), Dense(1)], 10), 7, 1)
    fixture("rnn_relu_last_sum", spec(1, [R(13, "Relu"), Dense(3, "Tanh")], 9, "LastStep", reduction="Sum"), 9, 2)
    fixture("lstm_initial_state", spec(5, [L(13), Dense(1)], 8), 6, 3, random_state=True)
    fixture("gru_sigmoid_last", spec(3, [G(33), Dense(5, "Sigmoid")], 5, "LastStep"), 5, 4)
    fixture("lstm_bidirectional", spec(3, [L(5, True), Dense(3)], 8), 5, 5, random_state=True)
    fixture("gru_bidirectional_ce_last", spec(5, [G(13, True), Dense(5, "Softmax")], 8, "LastStep", "CrossEntropy"), 8, 6)
    fixture("stack2_lstm_gru_sum", spec(3, [L(13), G(5), Dense(1)], 6, reduction="Sum"), 6, 7, random_state=True)
    fixture("stack3_bidirectional_bce", spec(5, [R(5, "Tanh", True), L(13, True), G(3), Dense(3)], 5,
                                             loss="BinaryCrossEntropy"), 5, 8)
    fixture("charlm_embedding_lstm_ce", spec(0, [E(13, 5), L(13), Dense(13, "Softmax")], 12, loss="CrossEntropy"), 10, 9)
    fixture("embedding_gru_bidirectional_ce_sum", spec(0, [E(33, 3), G(5, True), Dense(3)], 7, loss="CrossEntropy",
                                                      reduction="Sum"), 7, 10)
    fixture("rnn_relu_bidirectional_bce_last", spec(1, [R(5, "Relu", True), Dense(1, "Sigmoid")], 6, "LastStep",
                                                    "BinaryCrossEntropy", "Sum"), 6, 11)
    fixture("dense_first_softmax_mse", spec(3, [Dense(5, "Relu"), L(3), Dense(3, "Softmax")], 4), 4, 12)
    fixture("lstm33_dense_lstm_last", spec(1, [L(33), Dense(13, "Tanh"), L(5), Dense(1)], 12, "LastStep"), 12, 13)
    fixture("gru_sigmoid_rnn_final_recurrent", spec(13, [G(3), Dense(5, "Sigmoid"), R(1)], 3), 3, 14, random_state=True)
    fixture("embedding_rnn_relu_bce", spec(0, [E(5, 13), R(3, "Relu"), Dense(5)], 6, loss="BinaryCrossEntropy"), 6, 15)
    # nn.LSTM(..., proj_size=p): one layer, bidirectional, and two stacked (the second reads the first's p floats)
    fixture("lstm_projection", spec(3, [ProjectedLstm(7, 3), Dense(2)], 8), 6, 16, random_state=True)
    fixture("lstm_projection_bidirectional_ce", spec(4, [ProjectedLstm(6, 2, True), Dense(3, "Softmax")], 6,
                                                     loss="CrossEntropy"), 6, 17, random_state=True)
    fixture("lstm_projection_stack2_last", spec(2, [ProjectedLstm(13, 5), ProjectedLstm(8, 3), Dense(1)], 7, "LastStep",
                                                reduction="Sum"), 7, 18, random_state=True)


def optimizer_fixture():
    """torch.optim trajectories over fixed gradients, and clip_grad_norm_."""
    gen = torch.Generator().manual_seed(100)
    n, steps = 37, 5
    p0 = torch.randn(n, generator=gen)
    grads = torch.randn(steps, n, generator=gen)
    configs = {
        "sgd": lambda p: torch.optim.SGD([p], lr=0.1),
        "sgd_momentum": lambda p: torch.optim.SGD([p], lr=0.05, momentum=0.9, dampening=0.1, weight_decay=0.01),
        "sgd_nesterov": lambda p: torch.optim.SGD([p], lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.001),
        "adam": lambda p: torch.optim.Adam([p], lr=1e-2),
        "adam_decay": lambda p: torch.optim.Adam([p], lr=3e-3, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.01),
    }
    tensors = {"p0": p0.numpy(), "grads": grads.numpy()}
    for name, make in configs.items():
        p = p0.clone().requires_grad_(True)
        opt = make(p)
        trajectory = []
        for s in range(steps):
            p.grad = grads[s].clone()
            opt.step()
            trajectory.append(p.detach().clone())
        tensors[name] = torch.stack(trajectory).numpy()
    for i, max_norm in enumerate([0.5, 100.0]):
        g = (torch.randn(n, generator=gen) * 3).requires_grad_(False)
        p = torch.zeros(n, requires_grad=True)
        p.grad = g.clone()
        total = torch.nn.utils.clip_grad_norm_([p], max_norm)
        tensors[f"clip{i}.input"] = g.numpy()
        tensors[f"clip{i}.output"] = p.grad.numpy()
        tensors[f"clip{i}.norm"] = np.array([total.item()], dtype="<f4")
        tensors[f"clip{i}.max_norm"] = np.array([max_norm], dtype="<f4")
    save_safetensors(OUT / "optimizer.expected.safetensors", tensors)
    print("optimizer: ok")


class ClipNet(nn.Module):
    """The tests' TrainerLstm: LSTM(8) over 3 inputs, then Dense(2), scored at every step (MSE)."""

    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleList([nn.LSTM(3, 8), nn.Linear(8, 2)])

    def forward(self, x):
        y, _ = self.layers[0](x)
        return self.layers[1](y)


def clip_value_fixture():
    """Full-batch training updates on 6 sequences of 5 steps with clip_grad_value_: SGD with the values clipped, and
    Adam with clip_grad_norm_ and then clip_grad_value_ (the order TrainerOptions documents)."""
    torch.manual_seed(300)
    gen = torch.Generator().manual_seed(301)
    net = ClipNet()
    steps, batch, updates = 5, 6, 4
    x = torch.randn(steps, batch, 3, generator=gen)
    y = torch.randn(steps, batch, 2, generator=gen)
    initial = {k: v.detach().clone() for k, v in net.state_dict().items()}
    save_safetensors(OUT / "clip_value.safetensors", {k: v.numpy() for k, v in initial.items()}, {"format": "pt"})
    # x, y as RnnGen's sequences: sequence b, step t, channel k at (b · steps + t) · channels + k.
    tensors = {"inputs": x.permute(1, 0, 2).numpy(), "targets": y.permute(1, 0, 2).numpy()}
    configs = {
        "sgd": (lambda ps: torch.optim.SGD(ps, lr=0.5), None, 0.01),
        "adam_norm": (lambda ps: torch.optim.Adam(ps, lr=0.02), 0.05, 0.004),
    }
    for name, (make, max_norm, clip) in configs.items():
        net.load_state_dict(initial)
        opt = make(net.parameters())
        clipped = []
        for _ in range(updates):
            opt.zero_grad()
            F.mse_loss(net(x), y).backward()
            if max_norm is not None:
                torch.nn.utils.clip_grad_norm_(net.parameters(), max_norm)
            clipped.append(np.mean([(p.grad.abs() > clip).float().mean().item() for p in net.parameters()]))
            torch.nn.utils.clip_grad_value_(net.parameters(), clip)
            opt.step()
        for k, v in net.state_dict().items():
            tensors[f"{name}.{k}"] = v.detach().clone().numpy()   # a copy: the next config reloads these tensors in place
        tensors[f"{name}.clip_value"] = np.array([clip], dtype="<f4")
        tensors[f"{name}.max_norm"] = np.array([max_norm or 0.0], dtype="<f4")
        print(f"clip_value {name}: share of gradients clipped per update {np.round(clipped, 2).tolist()}")
    save_safetensors(OUT / "clip_value.expected.safetensors", tensors,
                     {"steps": str(steps), "updates": str(updates), "torch": torch.__version__})
    print("clip_value: ok")


def plateau_fixture():
    """ReduceLROnPlateau (mode min, threshold 1e-4 rel, no cooldown): the rate after each epoch's validation loss."""
    losses = np.array([1.0, 0.9, 0.95, 0.9, 0.89995, 0.8999, 0.8, 0.8, 0.81, 0.79, 0.85, 0.86, 0.87, 0.88, 0.5, 0.5,
                       0.5, 0.5, 0.5, 0.5], dtype="<f4")
    tensors = {"losses": losses}
    configs = {"halve_0": (1.0, 0.5, 0, 0.0), "tenth_2": (0.01, 0.1, 2, 1e-5), "halve_1_floor": (1.0, 0.5, 1, 0.2)}
    for name, (base, factor, patience, minimum) in configs.items():
        opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=base)
        schedule = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, mode="min", factor=factor, patience=patience,
                                                               min_lr=minimum)
        rates = []
        for loss in losses:
            schedule.step(float(loss))
            rates.append(opt.param_groups[0]["lr"])
        tensors[f"{name}.rates"] = np.array(rates, dtype="<f4")
        tensors[f"{name}.config"] = np.array([base, factor, patience, minimum], dtype="<f4")
    save_safetensors(OUT / "plateau.expected.safetensors", tensors, {"torch": torch.__version__})
    print("plateau: ok")


class Remapped(nn.Module):
    """A checkpoint laid out the way a PyTorch user would write it: one 2-layer nn.LSTM and a head."""

    def __init__(self):
        super().__init__()
        self.encoder = nn.LSTM(3, 5, num_layers=2)
        self.head = nn.Linear(5, 2)

    def forward(self, x):
        y, _ = self.encoder(x.unsqueeze(1))
        return self.head(y.squeeze(1))


def remap_fixture():
    torch.manual_seed(200)
    m = Remapped()
    x = torch.randn(6, 3)
    y = m(x)
    save_safetensors(OUT / "remap.safetensors", {k: v.detach().numpy() for k, v in m.state_dict().items()},
                     {"format": "pt"})
    save_safetensors(OUT / "remap.expected.safetensors", {"inputs": x.numpy(), "outputs": y.detach().numpy()})
    print("remap: ok")


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(1)
    networks()
    optimizer_fixture()
    clip_value_fixture()
    plateau_fixture()
    remap_fixture()
