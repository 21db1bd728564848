#!/usr/bin/python3
"""Writes RnnGen's Keras .h5/.keras and PyTorch state_dict JSON fixtures (tests/RnnGen.Tests/Fixtures/keras/).

Run after tools/keras-reference/make_fixtures.js, with Debian's /usr/bin/python3 (h5py, torch):

  * every keras_*.json there (RTNeural's save_model layout) is also written as a legacy Keras 2 .h5 (model_config
    attribute, model_weights/<layer>/… datasets named by weight_names) and a Keras 3 .keras zip (config.json,
    metadata.json, model.weights.h5 with layers/<snake_case(class)>[_k]/[cell/|layer/]vars/0..2, where the config
    names the layers encoder0, mixer1, …), holding the same weights;
  * keras_gru_ra_dense.json: a GRU with reset_after=True (which TensorFlow.js does not have) → Dense. Its reference is
    torch's nn.GRU, the same equations: the weights are drawn in torch and converted to Keras' layout (kernel [in, 3u]
    transposed, gates z,r,h; bias [2, 3u] = input row, recurrent row);
  * torch_lstm2_linear.json, torch_gru_linear.json: json.dump({name: tensor.tolist()}) of a state_dict, the way
    RTNeural's PyTorch examples save them, with torch's outputs.

Each model's expected outputs go to <name>.expected.json: {"steps", "input": [steps][features], "output"}.
"""
import io
import json
import os
import re
import zipfile

import h5py
import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "tests", "RnnGen.Tests", "Fixtures", "keras")


def write_json(name, obj, indent=None):
    with open(os.path.join(OUT, name), "w") as f:
        json.dump(obj, f, indent=indent)
        f.write("\n")


# ---------------------------------------------------------------------------------------------- Keras configurations

def keras_layers(model):
    """(class_name, config, weights) per layer of an RTNeural JSON model, with Keras-style names and configs."""
    counts = {}
    result = []
    layers = model["layers"]
    for index, layer in enumerate(layers):
        t = layer["type"]
        activation = layer["activation"] or "linear"
        units = layer["shape"][-1]
        weights = [np.asarray(w, dtype=np.float32) for w in layer["weights"]]
        base = {"lstm": "lstm", "gru": "gru", "simple-rnn": "simple_rnn", "dense": "dense",
                "time-distributed-dense": "time_distributed"}[t]
        n = counts.get(base, 0)
        counts[base] = n + 1
        name = base if n == 0 else f"{base}_{n}"
        if t in ("lstm", "gru", "simple-rnn"):
            config = {"name": name, "trainable": True, "dtype": "float32", "units": units,
                      "activation": activation if t == "simple-rnn" else "tanh", "recurrent_activation": "sigmoid", "use_bias": True, "return_sequences": len(layer["shape"]) == 3,
                      "return_state": False, "go_backwards": False, "stateful": False, "unroll": False}
            if t == "lstm":
                config["unit_forget_bias"] = True
            elif t == "gru":
                config["reset_after"] = weights[2].ndim == 2
            else:
                del config["recurrent_activation"]
            result.append(({"lstm": "LSTM", "gru": "GRU", "simple-rnn": "SimpleRNN"}[t], config, weights))
        elif t == "dense":
            result.append(("Dense", {"name": name, "trainable": True, "dtype": "float32", "units": units,
                                     "activation": activation, "use_bias": True}, weights))
        else:
            inner = {"module": "keras.layers", "class_name": "Dense",
                     "config": {"name": f"dense_td{index}", "trainable": True, "dtype": "float32", "units": units,
                                "activation": activation, "use_bias": True}}
            result.append(("TimeDistributed", {"name": name, "trainable": True, "dtype": "float32", "layer": inner}, weights))
    return result


def input_layer(model, keras3):
    shape = model["in_shape"]
    if keras3:
        return {"module": "keras.layers", "class_name": "InputLayer",
                "config": {"batch_shape": shape, "dtype": "float32", "sparse": False, "name": "input_layer"}}
    return {"class_name": "InputLayer", "config": {"batch_input_shape": shape, "dtype": "float32", "sparse": False,
                                                   "ragged": False, "name": "input_1"}}


def write_h5_legacy(path, model):
    """Keras 2's model.save('x.h5'): model_config JSON attribute, model_weights/<layer> groups with weight_names."""
    layers = keras_layers(model)
    config = {"class_name": "Sequential", "config": {"name": "sequential", "layers": [input_layer(model, False)] + [
        {"class_name": cls, "config": cfg} for cls, cfg, _ in layers]}}
    with h5py.File(path, "w", libver="earliest", track_order=False) as f:
        f.attrs["keras_version"] = "2.13.1"
        f.attrs["backend"] = "tensorflow"
        f.attrs["model_config"] = json.dumps(config)
        g = f.create_group("model_weights")
        g.attrs["keras_version"] = "2.13.1"
        g.attrs["backend"] = "tensorflow"
        g.attrs["layer_names"] = np.array([cfg["name"].encode() for _, cfg, _ in layers])
        for cls, cfg, weights in layers:
            name = cfg["name"]
            lg = g.create_group(name)
            if cls in ("LSTM", "GRU", "SimpleRNN"):
                cell = {"LSTM": "lstm_cell", "GRU": "gru_cell", "SimpleRNN": "simple_rnn_cell"}[cls]
                names = [f"{name}/{cell}/{w}:0" for w in ("kernel", "recurrent_kernel", "bias")]
            else:
                names = [f"{name}/{w}:0" for w in ("kernel", "bias")]
            lg.attrs["weight_names"] = np.array([n.encode() for n in names])
            for n, w in zip(names, weights):
                lg.create_dataset(n, data=w)


KERAS3_NAMES = ["encoder", "mixer", "decoder", "head"]


def snake_case(name):
    """Keras 3's naming.to_snake_case: LSTM → lstm, SimpleRNN → simple_rnn, TimeDistributed → time_distributed."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def write_keras3(path, model):
    """Keras 3's model.save('x.keras'): a zip of config.json, metadata.json and model.weights.h5."""
    # Keras 3 stores a layer's weights under layers/<snake_case(class name)>[_k] (numbered per class in the model's
    # layer order), not under its name; the config names given here differ from those paths, as a user's would.
    layers = [(cls, dict(cfg, name=f"{KERAS3_NAMES[i % len(KERAS3_NAMES)]}{i}"), weights)
              for i, (cls, cfg, weights) in enumerate(keras_layers(model))]
    config = {"module": "keras", "class_name": "Sequential",
              "config": {"name": "sequential", "trainable": True, "dtype": "float32",
                         "layers": [input_layer(model, True)] + [
                             {"module": "keras.layers", "class_name": cls, "config": cfg} for cls, cfg, _ in layers]},
              "registered_name": None, "build_config": {"input_shape": model["in_shape"]}}
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as f:
        root = f.create_group("layers")
        f.create_group("vars")
        used = {}
        for cls, cfg, weights in layers:
            base = snake_case(cls)
            n = used.get(base, -1) + 1
            used[base] = n
            lg = root.create_group(base if n == 0 else f"{base}_{n}")
            lg.create_group("vars")
            vg = lg.create_group({"LSTM": "cell/vars", "GRU": "cell/vars", "SimpleRNN": "cell/vars", "TimeDistributed": "layer/vars"}.get(cls, "vars")) \
                if cls != "Dense" else lg["vars"]
            for k, w in enumerate(weights):
                vg.create_dataset(str(k), data=w)
    metadata = {"keras_version": "3.6.0", "date_saved": "2026-01-01@00:00:00"}
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as z:
        for entry, data in (("metadata.json", json.dumps(metadata).encode()), ("config.json", json.dumps(config).encode()),
                            ("model.weights.h5", buffer.getvalue())):
            info = zipfile.ZipInfo(entry, date_time=(2026, 1, 1, 0, 0, 0))
            z.writestr(info, data)


# ----------------------------------------------------------------------------------------------------- torch models

def fixed_input(seed, steps, features):
    g = torch.Generator().manual_seed(seed)
    return torch.rand(1, steps, features, generator=g) * 2 - 1


def keras_gates(t, order):
    """torch [3u(, n)] gate blocks r,z,n → Keras z,r,h."""
    blocks = torch.chunk(t, 3, dim=0)
    return torch.cat([blocks[i] for i in order], dim=0)


def gru_reset_after_fixture():
    torch.manual_seed(21)
    gru = torch.nn.GRU(3, 7, batch_first=True)
    dense = torch.nn.Linear(7, 2)
    x = fixed_input(22, 6, 3)
    with torch.no_grad():
        h, _ = gru(x)
        y = dense(h)
        zrh = [1, 0, 2]
        kernel = keras_gates(gru.weight_ih_l0, zrh).T
        recurrent = keras_gates(gru.weight_hh_l0, zrh).T
        bias = torch.stack([keras_gates(gru.bias_ih_l0, zrh), keras_gates(gru.bias_hh_l0, zrh)])
        model = {"in_shape": [None, None, 3], "layers": [
            {"type": "gru", "activation": "tanh", "shape": [None, None, 7],
             "weights": [kernel.tolist(), recurrent.tolist(), bias.tolist()]},
            {"type": "dense", "activation": "", "shape": [None, None, 2],
             "weights": [dense.weight.T.tolist(), dense.bias.tolist()]}]}
    write_json("keras_gru_ra_dense.json", model, indent=1)
    write_json("keras_gru_ra_dense.expected.json", {"steps": 6, "input": x[0].tolist(), "output": y[0].tolist()})


class LstmLinear(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.rec = torch.nn.LSTM(3, 6, num_layers=2, batch_first=True)
        self.dense = torch.nn.Linear(6, 2)

    def forward(self, x):
        return self.dense(self.rec(x)[0])


class GruLinear(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.gru = torch.nn.GRU(2, 5, batch_first=True)
        self.dense = torch.nn.Linear(5, 1)

    def forward(self, x):
        return self.dense(self.gru(x)[0])


def state_dict_fixture(name, make, seed, steps, features):
    torch.manual_seed(seed)
    model = make()
    x = fixed_input(seed + 1, steps, features)
    with torch.no_grad():
        y = model(x)
    write_json(name + ".json", {k: v.tolist() for k, v in model.state_dict().items()})
    write_json(name + ".expected.json", {"steps": steps, "input": x[0].tolist(), "output": y[0].tolist()})


def main():
    os.makedirs(OUT, exist_ok=True)
    gru_reset_after_fixture()
    state_dict_fixture("torch_lstm2_linear", LstmLinear, 31, 7, 3)
    state_dict_fixture("torch_gru_linear", GruLinear, 41, 5, 2)
    for file in sorted(os.listdir(OUT)):
        if file.startswith("keras_") and file.endswith(".json") and not file.endswith(".expected.json"):
            with open(os.path.join(OUT, file)) as f:
                model = json.load(f)
            stem = file[:-len(".json")]
            write_h5_legacy(os.path.join(OUT, stem + ".h5"), model)
            write_keras3(os.path.join(OUT, stem + ".keras"), model)
            print(f"{stem}: .h5 and .keras")


if __name__ == "__main__":
    main()
