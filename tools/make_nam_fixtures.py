#!/usr/bin/python3
"""Writes Neural Amp Modeler (.nam) LSTM files and the outputs PyTorch computes for them.

Run with Debian's own python3 and torch (apt-get install -y python3-torch), not a pyenv python:

    /usr/bin/python3 tools/make_nam_fixtures.py            # the test fixtures
    /usr/bin/python3 tools/make_nam_fixtures.py --amp      # samples/AmpModel/amp.nam (trains for about a minute)

The test fixtures, into tests/RnnGen.Tests/Fixtures/nam/:
  lstm_1x8.nam, lstm_2x12.nam     NAM "LSTM" files (input_size 1; 1 layer of 8 and 2 layers of 12 units), random weights
  NAME.expected.json              {"input": [...], "output": [...]}: what the model computes for a fixed input, starting
                                  from the initial state stored in the file (as NAM's plugin does)

The sample's model, samples/AmpModel/amp.nam: a 1-layer LSTM of 16 units trained briefly on a tube-like soft clipper
(see target_amp), so that it sounds like a small overdriven amp. `rnngen import samples/AmpModel/amp.nam --out
samples/AmpModel` then writes the sample's Amp.cs and Amp.safetensors.

The model below is our own PyTorch code, written from the format as NAM defines it (no NAM code is used or needed):
  github.com/sdatkinson/neural-amp-modeler   nam/models/recurrent.py (class LSTM: _export_weights,
                                             _export_cell_weights, _get_initial_state, _init_head; class _L: the
                                             reset_parameters bias shift), nam/models/exportable.py (the JSON fields)
  github.com/sdatkinson/NeuralAmpModelerCore NAM/lstm.cpp (LSTMCell reads W [4H, in+H] row-major, b [4H], h0 [H],
                                             c0 [H]; then the head [out, H] and its bias), NAM/get_dsp.cpp (the fields
                                             read: version, architecture, config, weights, sample_rate, metadata)
The flat weight order: for each layer, [W_ih | W_hh] concatenated along the columns ([4H, in+H], row-major, gates
i, f, g, o as PyTorch has them), then one bias b_ih + b_hh [4H], then the initial hidden state [H], then the initial
cell state [H]; after the layers, the head's Linear(H, 1) weight [1, H] and bias [1].
"""
import argparse
import json
import math
import pathlib

import numpy as np
import torch
import torch.nn as nn

ROOT = pathlib.Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "RnnGen.Tests" / "Fixtures" / "nam"
SAMPLE = ROOT / "samples" / "AmpModel"
VERSION = "0.5.4"   # the version NAM's plugin-compatible LSTM files carry (its core reads 0.5.0 to 0.7.x)


class NamLstm(nn.Module):
    """NAM's LSTM model: nn.LSTM (batch_first) from a learned initial state, then a Linear(H, 1) head."""

    def __init__(self, hidden_size, num_layers, input_size=1):
        super().__init__()
        self.core = nn.LSTM(input_size, hidden_size, num_layers=num_layers, batch_first=True)
        # NAM's _L.reset_parameters: on both biases, input gate -= 2 and forget gate += 2 ("up the remembering").
        with torch.no_grad():
            for k in range(num_layers):
                for which in ("ih", "hh"):
                    b = getattr(self.core, f"bias_{which}_l{k}")
                    b[0:hidden_size] -= 2.0
                    b[hidden_size:2 * hidden_size] += 2.0
        self.head = nn.Linear(hidden_size, 1)
        self.initial_hidden = nn.Parameter(torch.zeros(num_layers, hidden_size))
        self.initial_cell = nn.Parameter(torch.zeros(num_layers, hidden_size))

    def forward(self, x, state=None):
        """x: (B, S) → (B, S), from `state` ((L, B, H), (L, B, H)) or the learned initial state."""
        if state is None:
            b = x.shape[0]
            state = (self.initial_hidden[:, None].repeat(1, b, 1), self.initial_cell[:, None].repeat(1, b, 1))
        features, _ = self.core(x[:, :, None], state)
        return self.head(features)[:, :, 0]

    def export_state(self):
        """The (h, c) NAM writes into the file: its _get_initial_state runs 48,000 samples of silence through the
        LSTM from a zero state (not the learned initial_hidden/initial_cell), so the plugin starts settled."""
        with torch.no_grad():
            _, (h, c) = self.core(torch.zeros(1, 48_000, 1))
        return h[:, 0], c[:, 0]

    def export_weights(self, h, c):
        parts = []
        for k in range(self.core.num_layers):
            w = torch.cat([getattr(self.core, f"weight_ih_l{k}"), getattr(self.core, f"weight_hh_l{k}")], dim=1)
            b = getattr(self.core, f"bias_ih_l{k}") + getattr(self.core, f"bias_hh_l{k}")
            parts += [w.flatten(), b, h[k], c[k]]
        parts += [self.head.weight.flatten(), self.head.bias]
        return torch.cat([p.detach().float() for p in parts]).numpy()


def write_nam(path, model, name, metadata=None):
    h, c = model.export_state()
    weights = model.export_weights(h, c)
    document = {
        "version": VERSION,
        "metadata": {"date": {"year": 2026, "month": 1, "day": 1, "hour": 0, "minute": 0, "second": 0}, "name": name, **(metadata or {})},
        "architecture": "LSTM",
        "config": {"input_size": model.core.input_size, "hidden_size": model.core.hidden_size, "num_layers": model.core.num_layers},
        "weights": [float(w) for w in weights],   # float32 values, written as the shortest doubles that read back as them
        "sample_rate": 48000,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document) + "\n")
    return h, c


def fixture(name, hidden, layers, seed):
    torch.manual_seed(seed)
    model = NamLstm(hidden, layers)
    with torch.no_grad():   # a trained model's range rather than the initial one, so that the outputs move (and test) more
        for p in model.core.parameters():
            p.uniform_(-0.9, 0.9)
        model.head.weight.uniform_(-1.0, 1.0)
    h, c = write_nam(FIXTURES / f"{name}.nam", model, f"RnnGen test fixture {name}")
    # The plugin's run: from the file's (h, c), whose float32 values the file holds exactly.
    generator = torch.Generator().manual_seed(seed + 1)
    steps = 200
    t = torch.arange(steps, dtype=torch.float32)
    x = 0.6 * torch.sin(2 * math.pi * t / 37.0) + 0.3 * torch.randn(steps, generator=generator)
    with torch.no_grad():
        y = model(x[None], (h[:, None].contiguous(), c[:, None].contiguous()))[0]
    expected = {"input": [float(v) for v in x], "output": [float(v) for v in y]}
    (FIXTURES / f"{name}.expected.json").write_text(json.dumps(expected) + "\n")
    print(f"wrote {name}.nam ({layers} x LSTM({hidden}), {len(model.export_weights(h, c))} weights) and {name}.expected.json")


SAMPLE_RATE = 48_000


def target_amp(x):
    """A small tube-like overdrive: input gain, an asymmetric soft clip (the grid conducting on one side) that adds
    even harmonics, a DC block, then a gentle one-pole low-pass (the output transformer), in float64."""
    x = np.asarray(x, dtype=np.float64)
    drive = 6.0 * x
    bias = 0.25
    y = np.tanh(drive + bias) - np.tanh(bias)
    y = np.where(y < 0, y * 0.8, y)                      # softer on the negative half: asymmetric
    out = np.empty_like(y)
    prev_in = prev_dc = prev_lp = 0.0
    for n, v in enumerate(y):
        prev_dc = v - prev_in + 0.995 * prev_dc; prev_in = v   # DC blocker
        prev_lp += 0.35 * (prev_dc - prev_lp)                  # one-pole low-pass, about 3.3 kHz at 48 kHz
        out[n] = 0.5 * prev_lp
    return out


def training_signal(seconds, rng):
    """Guitar-like plucks (decaying harmonic tones of random pitch and strength) and sine sweeps, at 48 kHz."""
    n = int(seconds * SAMPLE_RATE)
    x = np.zeros(n)
    t = np.arange(n) / SAMPLE_RATE
    pos = 0
    while pos < n:
        length = int(rng.uniform(0.15, 0.5) * SAMPLE_RATE)
        f0 = 82.4 * 2 ** rng.uniform(0, 3)
        amp = rng.uniform(0.05, 0.9)
        tt = np.arange(min(length, n - pos)) / SAMPLE_RATE
        tone = sum(np.sin(2 * np.pi * f0 * k * tt) / k for k in range(1, 6))
        x[pos:pos + len(tt)] += amp * 0.5 * tone * np.exp(-tt * rng.uniform(3, 9))
        pos += length
    sweep = 0.7 * np.sin(2 * np.pi * 60 * (4000 / 60) ** (t / t[-1]) * t[-1] / np.log(4000 / 60))
    return np.concatenate([x, sweep * np.linspace(0.05, 1, n)])


def amp():
    torch.manual_seed(7)
    torch.set_num_threads(1)
    rng = np.random.default_rng(7)
    x = training_signal(3.0, rng).astype(np.float32)
    y = target_amp(x).astype(np.float32)
    model = NamLstm(16, 1)
    optimizer = torch.optim.Adam(model.parameters(), lr=4e-3)
    segment, batch, updates = 2048, 16, 600
    xs, ys = torch.from_numpy(x), torch.from_numpy(y)
    for update in range(updates):
        starts = rng.integers(0, len(x) - segment, size=batch)
        xb = torch.stack([xs[s:s + segment] for s in starts])
        yb = torch.stack([ys[s:s + segment] for s in starts])
        prediction = model(xb)
        loss = ((prediction[:, 256:] - yb[:, 256:]) ** 2).mean() / (yb[:, 256:] ** 2).mean()   # ESR after a burn-in
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if update % 100 == 0 or update == updates - 1:
            print(f"update {update}: ESR {loss.item():.4f}")
    write_nam(SAMPLE / "amp.nam", model, "RnnGen AmpModel sample (tube-like overdrive)",
              {"gear_type": "amp", "tone_type": "overdrive", "modeled_by": "tools/make_nam_fixtures.py --amp"})
    print(f"wrote {SAMPLE / 'amp.nam'}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--amp", action="store_true", help="train and write samples/AmpModel/amp.nam instead of the test fixtures")
    if parser.parse_args().amp:
        amp()
    else:
        fixture("lstm_1x8", 8, 1, seed=11)
        fixture("lstm_2x12", 12, 2, seed=12)
