#!/usr/bin/env python3
"""Summarise raw peer logs (from benchmarks/peers/run.sh) into benchmarks/results/<machine>-<date>.md.

    python3 benchmarks/peers/summarize.py [--out-dir DIR] [--merge-same] LOG [LOG ...]
    python3 benchmarks/peers/summarize.py --slug          (this machine's short name, e.g. zen4 or xeon-emr)

Several logs are read as one series of rounds (in the order given). --merge-same also reads every other log in the
first log's folder from the same machine, day, commit, working-tree diff and step settings, so that two runs of the
script on one day make one report. Standard library only.
"""

import argparse
import glob
import math
import os
import re
import statistics
import subprocess
import sys

MARKER = "<!-- written by benchmarks/peers/summarize.py -->"
REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))


DEFAULT_OUT = os.path.join(REPO, "benchmarks", "results")


def shown(path):
    """A path as the report shows it: relative to the repository when inside it, else absolute."""
    path = os.path.abspath(path)
    return os.path.relpath(path, REPO) if path.startswith(REPO + os.sep) else path

# The peer shapes in report order: (cell, in, hidden, out).
SHAPES = [(c, i, h, i) for c in ("lstm", "gru", "rnn") for (i, h) in
          ((1, 8), (1, 16), (1, 32), (8, 32), (32, 64), (64, 128), (128, 256))] + [("lstm2", 16, 32, 4)]
RTNEURAL = ("rtneural-eigen", "rtneural-xsimd", "rtneural-xsimd-avx2")
SINGLE_PEERS = ("rnngen",) + RTNEURAL + ("onnxruntime", "torchsharp")


# --- Machine ----------------------------------------------------------------------------------------------------------

def lscpu_fields(lines):
    fields = {}
    for line in lines:
        if ":" in line:
            key, value = line.split(":", 1)
            fields[key.strip()] = value.strip()
    return fields


def local_lscpu():
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=True, env={**os.environ, "LC_ALL": "C"}).stdout
    except (OSError, subprocess.CalledProcessError):
        return {}
    return lscpu_fields(out.splitlines())


def slug(fields):
    """A short lower-case machine name: the AMD core generation (zen3, zen4, ...) or the Intel server generation."""
    vendor = fields.get("Vendor ID", "")
    name = fields.get("Model name", "").lower()
    try:
        family, model = int(fields.get("CPU family", "-1")), int(fields.get("Model", "-1"))
    except ValueError:
        family, model = -1, -1
    if vendor == "AuthenticAMD" or "amd" in name:
        if family == 23:
            return "zen2" if model >= 0x30 else "zen"
        if family == 25:
            return "zen4" if (0x10 <= model <= 0x1F or 0x60 <= model <= 0x7F or 0xA0 <= model <= 0xAF) else "zen3"
        if family == 26:
            return "zen5"
        return "amd"
    if vendor == "GenuineIntel" or "intel" in name:
        generations = {85: "skx", 106: "icx", 108: "icx", 143: "spr", 207: "emr", 173: "gnr", 174: "gnr", 175: "srf"}
        base = "xeon" if "xeon" in name else "intel"
        return f"{base}-{generations[model]}" if family == 6 and model in generations else base
    words = re.findall(r"[a-z0-9]+", name)
    return words[0] if words else "machine"


def per_instance(size_text):
    """'96 KiB (2 instances)' -> bytes per instance."""
    m = re.match(r"([\d.]+)\s*([KMG]i?B)(?:\s*\((\d+) instances?\))?", size_text or "")
    if not m:
        return None
    unit = {"K": 1024, "M": 1024 ** 2, "G": 1024 ** 3}[m.group(2)[0]]
    total = float(m.group(1)) * unit
    return int(total / int(m.group(3) or 1))


# --- Parsing ----------------------------------------------------------------------------------------------------------

class Log:
    def __init__(self, path):
        self.path = path
        self.meta = {}
        self.lscpu = []
        self.runs = []        # (round, peer, command)
        self.rows = []        # dicts with round and the RESULT fields
        self.bounds = []      # dicts of BOUND fields
        self.exits = []       # (round, peer, rc)
        self.phases = []      # (kind, fields) of the PHASE, PHASES and PEAK lines (training runs)
        self.row_counts = {}  # process name -> protocol rows it printed
        round_no = 0
        with open(path, encoding="utf-8") as f:
            for line in f:
                line = line.rstrip("\n")
                if line.startswith("#META "):
                    key, _, value = line[6:].partition("=")
                    self.meta[key] = value
                elif line.startswith("#LSCPU "):
                    self.lscpu.append(line[7:])
                elif line.startswith("#RUN "):
                    m = re.match(r"#RUN round=(\d+) peer=(\S+) cmd=(.*)$", line)
                    if m:
                        round_no = int(m.group(1))
                        self.runs.append((round_no, m.group(2), m.group(3).strip()))
                        self.row_counts.setdefault(m.group(2), 0)
                elif line.startswith("#EXIT "):
                    m = re.match(r"#EXIT round=(\d+) peer=(\S+) rc=(\d+)", line)
                    if m:
                        self.exits.append((int(m.group(1)), m.group(2), int(m.group(3))))
                elif line.startswith(("RESULT ", "BOUND ")) and self.runs:
                    self.row_counts[self.runs[-1][1]] += 1
                if line.startswith("RESULT "):
                    row = fields_of(line)
                    row["round"] = round_no
                    self.rows.append(row)
                elif line.startswith("BOUND "):
                    self.bounds.append(fields_of(line))
                elif line.startswith(("PHASE ", "PHASES ", "PEAK ")):
                    self.phases.append((line.split()[0], fields_of(line)))
        self.lscpu_fields = lscpu_fields(self.lscpu)

    @property
    def day(self):
        return self.meta.get("date", "unknown")[:10]

    def same_series(self, other):
        def key(log):
            config = re.sub(r"rounds=\d+ ?", "", log.meta.get("config", ""))
            return (slug(log.lscpu_fields), log.day, log.meta.get("commit"), log.meta.get("tree"), config)
        return key(self) == key(other)


def fields_of(line):
    out = {}
    for token in line.split()[1:]:
        if "=" in token:
            k, v = token.split("=", 1)
            out[k] = v
    return out


def num(text):
    try:
        return float(text)
    except (TypeError, ValueError):
        return float("nan")


# --- Formatting -------------------------------------------------------------------------------------------------------

def ns(x):
    if x is None or math.isnan(x):
        return "–"
    return f"{x:,.0f}" if x >= 100 else f"{x:.1f}"


def ratio(x):
    return "–" if x is None or math.isnan(x) else f"{x:.2f}"


def with_range(values, fmt=ns):
    values = [v for v in values if v is not None and not math.isnan(v)]
    if not values:
        return "–"
    mid = statistics.median(values)
    if len(values) == 1:
        return fmt(mid)
    return f"{fmt(mid)} ({fmt(min(values))}–{fmt(max(values))})"


def shape_name(cell, i, h, o):
    if cell == "lstm2":
        return f"LSTM {i}→{h}→{h}→{o} (2 layers)"
    return f"{cell.upper() if cell != 'rnn' else 'RNN'} {i}→{h}→{o}"


# --- Bounds -----------------------------------------------------------------------------------------------------------

def clog2(n):
    return math.ceil(math.log2(n)) if n > 1 else 0


def latency_bound(cell, i, h, o, fma, tanh, sigmoid):
    """ns of the dependency chain of one step (the model is written out in the report)."""
    def lstm(inp, hid):
        return clog2(inp + hid + 1) * fma + max(sigmoid, tanh) + 2 * fma + tanh + fma

    def gru(inp, hid):
        return clog2(inp + hid + 1) * fma + sigmoid + fma + tanh + 2 * fma

    def rnn(inp, hid):
        return clog2(inp + hid + 1) * fma + tanh

    # Only the loop-carried chain: the Dense head does not feed the next step, and in a stack each layer's own
    # recurrence is the chain (the layers of one step pipeline across steps), so the bound is the longest of them.
    return {"lstm": lambda: lstm(i, h), "gru": lambda: gru(i, h), "rnn": lambda: rnn(i, h),
            "lstm2": lambda: max(lstm(i, h), lstm(h, h))}[cell]()


# --- Report -----------------------------------------------------------------------------------------------------------

def first_round_commands(logs):
    """Each peer's command line as its first round ran it, in the order the peers first appear."""
    seen, commands = set(), []
    for log in logs:
        for r, peer, cmd in log.runs:
            if r <= 1 and peer not in seen:
                seen.add(peer)
                commands.append(cmd)
    return commands


def build_report(logs, argv):
    first = logs[0]
    cpu = first.lscpu_fields or local_lscpu()
    flags = cpu.get("Flags", "").split()
    l1d, l2, l3 = (per_instance(cpu.get(k)) for k in ("L1d cache", "L2 cache", "L3 cache"))

    # Rounds are numbered across the logs in order.
    rounds = {}   # global round -> {key: median}
    streams = {}  # global round -> {key: median}
    checks = {}
    offset = 0
    for log in logs:
        top = 0
        for row in log.rows:
            r = offset + row["round"]
            top = max(top, row["round"])
            if row.get("mode") == "training":
                continue
            key = (row.get("peer"), row.get("cell"), int(row.get("in", 0)), int(row.get("hidden", 0)), int(row.get("out", 0)))
            target = streams if row.get("mode") else rounds
            if row.get("mode"):
                key = (row.get("peer") + ":" + row.get("mode"),) + key[1:]
            target.setdefault(r, {})[key] = num(row.get("median_ns"))
            checks.setdefault(key, set()).add(row.get("checksum"))
        offset += top
    round_ids = sorted(set(rounds) | set(streams))

    def series(key, table=rounds):
        return [table[r][key] for r in round_ids if key in table.get(r, {})]

    bounds = {}
    for log in logs:
        for b in log.bounds:
            key = (b.get("cell"), int(b.get("in", 0)), int(b.get("hidden", 0)), int(b.get("out", 0)))
            bounds.setdefault(key, []).append(b)

    def bound_value(key, field):
        values = [num(b.get(field)) for b in bounds.get(key, [])]
        values = [v for v in values if not math.isnan(v)]
        return statistics.median(values) if values else float("nan")

    peers_seen = sorted({k[0] for r in rounds.values() for k in r})
    rt_seen = [p for p in RTNEURAL if p in peers_seen]
    shapes = [s for s in SHAPES if any((p,) + s in r for r in rounds.values() for p in peers_seen) or s in bounds]
    extra = sorted({k[1:] for r in rounds.values() for k in r} - set(SHAPES))
    shapes += extra

    out = [MARKER, f"# RnnGen and its peers, streaming step, {first.day}", ""]
    out += ["## Machine", ""]
    out.append(f"- CPU: {cpu.get('Model name', 'unknown')} (vendor {cpu.get('Vendor ID', '?')}, family {cpu.get('CPU family', '?')}, "
               f"model {cpu.get('Model', '?')}), short name `{slug(cpu)}`")
    out.append(f"- AVX-512F: {'yes' if 'avx512f' in flags else 'no'}; AVX2: {'yes' if 'avx2' in flags else 'no'}; FMA: {'yes' if 'fma' in flags else 'no'}")
    cores = cpu.get("CPU(s)", "?")
    out.append(f"- CPUs: {cores} ({cpu.get('Core(s) per socket', '?')} cores per socket × {cpu.get('Socket(s)', '?')} sockets, "
               f"{cpu.get('Thread(s) per core', '?')} threads per core){'; ' + cpu['Hypervisor vendor'] + ' guest' if cpu.get('Hypervisor vendor') else ''}")
    out.append(f"- Caches per core: L1d {fmt_bytes(l1d)}, L2 {fmt_bytes(l2)}; L3 {cpu.get('L3 cache', '?')}")
    out.append(f"- .NET SDK: {first.meta.get('dotnet', '?')}; g++: {first.meta.get('gxx', '?')}; kernel {first.meta.get('kernel', '?')}")
    dates = ", ".join(log.meta.get("date", "?") for log in logs)
    tree = first.meta.get("tree", "")
    dirty = f" with uncommitted changes (diff {tree.split()[0]})" if tree and not tree.endswith("dirty_files=0") else ""
    out.append(f"- Runs started (UTC): {dates}; commit {first.meta.get('commit', '?')}{dirty}")
    out.append(f"- Settings: {first.meta.get('config', '?')}; {first.meta.get('pin', '')}")
    out.append("")

    out += ["## Commands", "", "```"]
    for log in logs:
        out.append(log.meta.get("command", "bash benchmarks/peers/run.sh"))
    out.append("python3 benchmarks/peers/summarize.py " + " ".join(argv))
    out.append("```")
    out += ["", "The processes: `bounds` once per run, then in every round each peer below (the same commands each "
            "round, the order rotated by one peer a round):", "", "```"]
    out += first_round_commands(logs)
    out += ["```", ""]
    failed = sorted({(peer, rc) for log in logs for (_, peer, rc) in log.exits if rc != 0})
    silent = sorted({name for log in logs for name, n in log.row_counts.items() if n == 0}
                    - {name for log in logs for name, n in log.row_counts.items() if n > 0})
    if silent:
        out.append("Processes that printed no row (skipped): " + ", ".join(silent))
        out.append("")
    if failed:
        out.append("Processes that exited non-zero (their rows, if any, are kept): " + ", ".join(f"{p} (exit {rc})" for p, rc in failed))
        out.append("")

    # Summary per shape.
    out += ["## Single stream: ns per step, median of the round medians (range over rounds)", ""]
    out.append(f"{len(round_ids)} rounds. `best RTNeural` is the backend with the lowest median; the ratio is, per round, the fastest "
               "RTNeural backend of that round over RnnGen of that round (> 1: RnnGen is faster), median and range over rounds.")
    out.append("")
    header = ["shape", "RnnGen"] + rt_seen + ["best RTNeural", "best RTNeural / RnnGen", "ONNX Runtime", "TorchSharp"]
    out.append("| " + " | ".join(header) + " |")
    out.append("|" + "---|" * len(header))
    for s in shapes:
        rn = series(("rnngen",) + s)
        cells = [shape_name(*s), with_range(rn)]
        medians = {}
        for p in rt_seen:
            v = series((p,) + s)
            medians[p] = statistics.median(v) if v else float("nan")
            cells.append(with_range(v))
        valid = {p: m for p, m in medians.items() if not math.isnan(m)}
        best = min(valid, key=valid.get) if valid else None
        cells.append(f"{best.replace('rtneural-', '')} {ns(valid[best])}" if best else "–")
        per_round = []
        for r in round_ids:
            table = rounds.get(r, {})
            rt = [table[(p,) + s] for p in rt_seen if (p,) + s in table]
            if rt and ("rnngen",) + s in table:
                per_round.append(min(rt) / table[("rnngen",) + s])
        cells.append(with_range(per_round, ratio))
        cells.append(with_range(series(("onnxruntime",) + s)))
        cells.append(with_range(series(("torchsharp",) + s)))
        out.append("| " + " | ".join(cells) + " |")
    out.append("")

    # Bounds.
    out += ["## Bounds per shape", ""]
    if bounds:
        any_key = next(iter(bounds))
        p256, p512 = bound_value(any_key, "peak256_gflops"), bound_value(any_key, "peak512_gflops")
        peak = max(v for v in (p256, p512, 0.0) if not math.isnan(v))
        fma, tanh = bound_value(any_key, "fma_latency_ns"), bound_value(any_key, "act_latency_ns")
        sigmoid = bound_value(any_key, "sigmoid_latency_ns")
        if math.isnan(sigmoid):
            sigmoid = tanh
        l1bw, l2bw = bound_value(any_key, "l1_read_gbps"), bound_value(any_key, "l2_read_gbps")
        l1d = l1d or int(bound_value(any_key, "l1d_bytes") or 0) or None
        l2 = l2 or int(bound_value(any_key, "l2_bytes") or 0) or None
        # The cache port limits at the clock the FMA peak implies (2 FMAs of 16 or 8 lanes per cycle): two vector loads
        # per cycle from L1d, one 64-byte line per cycle from L2. The probe's read rates are printed beside them.
        wide = not math.isnan(p512) and p512 > 0
        ghz = p512 / 64 if wide else p256 / 32
        l1port, l2port = 2 * (64 if wide else 32) * ghz, 64 * ghz
        out.append(f"Probed on this machine (`RnnGen.Benchmarks bounds`): FMA peak of one core Vector256 {p256:.1f} GFLOP/s, "
                   f"Vector512 {p512:.1f} GFLOP/s (best {peak:.1f}, so a clock of about {ghz:.2f} GHz); dependent FMA {fma:.2f} ns; "
                   f"dependent tanh {tanh:.2f} ns, gate σ {sigmoid:.2f} ns (Vector256). Cache port limits at that clock: "
                   f"L1d {l1port:.0f} GB/s (two {'64' if wide else '32'}-byte loads a cycle), L2 {l2port:.0f} GB/s (one line a cycle); "
                   f"a plain read loop reaches {l1bw:.0f} and {l2bw:.0f} GB/s.")
        out.append("")
        header = ["shape", "FLOPs", "FLOP bound", "latency bound", "bytes", "weights in", "bandwidth bound", "tighter bound", "RnnGen", "RnnGen / bound"]
        out.append("| " + " | ".join(header) + " |")
        out.append("|" + "---|" * len(header))
        for s in shapes:
            if s not in bounds:
                continue
            flops, nbytes = bound_value(s, "flops"), bound_value(s, "bytes")
            flop_ns = flops / peak if peak > 0 else float("nan")
            lat_ns = latency_bound(*s, fma, tanh, sigmoid)
            if l1d and nbytes <= l1d:
                where, bw = "L1d", l1port
            elif l2 and nbytes <= l2:
                where, bw = "L2", l2port
            else:
                where, bw = "beyond L2 (L2 rate used: optimistic)", l2port
            bw_ns = nbytes / bw if bw and not math.isnan(bw) else float("nan")
            candidates = {"FLOP": flop_ns, "latency": lat_ns, "bandwidth": bw_ns}
            candidates = {k: v for k, v in candidates.items() if not math.isnan(v)}
            kind = max(candidates, key=candidates.get) if candidates else None
            tight = candidates[kind] if kind else float("nan")
            rn = series(("rnngen",) + s)
            rn_med = statistics.median(rn) if rn else float("nan")
            out.append(f"| {shape_name(*s)} | {flops:,.0f} | {ns(flop_ns)} | {ns(lat_ns)} | {nbytes:,.0f} | {where} | {ns(bw_ns)} | "
                       f"{ns(tight)} ({kind or '–'}) | {ns(rn_med)} | {ratio(rn_med / tight) + '×' if rn else '–'} |")
        out.append("")
    else:
        out += ["No BOUND lines in the logs.", ""]
    out += BOUND_MODELS

    # Many streams.
    stream_keys = sorted({k for r in streams.values() for k in r})
    if stream_keys:
        out += ["## Many streams: 256 streams on one set of weights, ns per stream-step (median of round medians, range)", ""]
        out.append("`one-by-one` is RnnGen's loop stepping the 256 states one at a time (`mode=loop` rows) where the log has it, "
                   "else its single-stream `Step` above (marked *). `% of peak` is the step's FLOPs per stream-step time over the "
                   "best FMA peak.")
        out.append("")
        header = ["shape", "RnnGen streams", "one-by-one", "speed-up", "% of FMA peak", "ONNX Runtime batch 256", "TorchSharp batch 256"]
        out.append("| " + " | ".join(header) + " |")
        out.append("|" + "---|" * len(header))
        stream_shapes = [s for s in shapes if any(k[1:] == s for k in stream_keys)]
        for s in stream_shapes:
            rs = series(("rnngen:streams",) + s, streams)
            loop = series(("rnngen:loop",) + s, streams)
            mark = ""
            if not loop:
                loop = series(("rnngen",) + s)
                mark = "*" if loop else ""
            rs_med = statistics.median(rs) if rs else float("nan")
            loop_med = statistics.median(loop) if loop else float("nan")
            flops = bound_value(s, "flops") if s in bounds else float("nan")
            peak_pct = (flops / rs_med / peak * 100) if (bounds and rs and peak > 0) else float("nan")
            out.append(f"| {shape_name(*s)} | {with_range(rs)} | {with_range(loop)}{mark} | {ratio(loop_med / rs_med) + '×' if rs and loop else '–'} | "
                       f"{'–' if math.isnan(peak_pct) else f'{peak_pct:.0f} %'} | {with_range(series(('onnxruntime:streams',) + s, streams))} | "
                       f"{with_range(series(('torchsharp:streams',) + s, streams))} |")
        out.append("")

    # Every round.
    out += ["## Every round: median ns per step of each process", ""]
    cols = [p for p in SINGLE_PEERS if p in peers_seen] + [p for p in peers_seen if p not in SINGLE_PEERS]
    for r in round_ids:
        table = rounds.get(r, {})
        out.append(f"Round {r}")
        out.append("")
        out.append("| shape | " + " | ".join(cols) + " |")
        out.append("|" + "---|" * (len(cols) + 1))
        for s in shapes:
            out.append(f"| {shape_name(*s)} | " + " | ".join(ns(table.get((p,) + s)) for p in cols) + " |")
        out.append("")
        if streams.get(r):
            st = streams[r]
            scols = sorted({k[0] for k in st})
            out.append("| streams shape | " + " | ".join(scols) + " |")
            out.append("|" + "---|" * (len(scols) + 1))
            for s in shapes:
                if any((c,) + s in st for c in scols):
                    out.append(f"| {shape_name(*s)} | " + " | ".join(ns(st.get((c,) + s)) for c in scols) + " |")
            out.append("")

    varied = sorted(f"{k[0]} {shape_name(*k[1:])}" for k, v in checks.items() if len(v) > 1)
    if varied:
        out.append("Checksums that differed between rounds (a peer's output should not depend on the round): " + "; ".join(varied))
        out.append("")
    out += ["Raw logs: " + ", ".join(f"`{shown(log.path)}`" for log in logs), ""]
    return "\n".join(out)


TRAINING_MODELS = {
    "lstm128": ("Embedding(65, 32) → LSTM(128) → Linear(65)", 4, 128),
    "gru128": ("Embedding(65, 32) → GRU(128) → Linear(65)", 3, 128),
    "lstm32": ("Embedding(65, 32) → LSTM(32) → Linear(65)", 4, 32),
}
TRAINING_ROWS = [("lstm128", 32, 1), ("lstm128", 32, 2), ("gru128", 32, 1), ("gru128", 32, 2), ("lstm128", 1, 1), ("lstm32", 1, 1)]


def training_flops(model, batch):
    """FLOPs of one update: 3 × the forward's matrix products (forward, weight gradients, input/state gradients)."""
    _, gates, hidden = TRAINING_MODELS[model]
    return 3.0 * 64 * batch * (2.0 * gates * hidden * (32 + hidden) + 2.0 * 65 * hidden)


def build_training_report(logs, argv):
    first = logs[0]
    cpu = first.lscpu_fields or local_lscpu()
    flags = cpu.get("Flags", "").split()
    rounds = {}   # global round -> {(peer, model, batch, workers): median ms}
    fastest = {}  # (peer, model, batch, workers) -> the fastest repetition of any round, ms
    offset = 0
    for log in logs:
        top = 0
        for row in log.rows:
            if row.get("mode") != "training":
                continue
            r = offset + row["round"]
            top = max(top, row["round"])
            key = (row.get("peer"), row.get("model"), int(row.get("batch", 0)), int(row.get("workers", 0)))
            rounds.setdefault(r, {})[key] = num(row.get("median_ms"))
            fastest[key] = min(fastest.get(key, float("inf")), num(row.get("min_ms")))
        offset += top
    round_ids = sorted(rounds)

    def series(key):
        return [rounds[r][key] for r in round_ids if key in rounds[r]]

    def per_round(a, b, f):
        return [f(rounds[r][a], rounds[r][b]) for r in round_ids if a in rounds[r] and b in rounds[r]]

    peaks = [max(num(f.get("gflops256")), num(f.get("gflops512")) if not math.isnan(num(f.get("gflops512"))) else 0)
             for log in logs for kind, f in log.phases if kind == "PEAK"]
    peak = max(peaks) if peaks else float("nan")   # a busy core measures less than its peak: the highest is the nearest

    def ms(x):
        return "–" if x is None or math.isnan(x) else (f"{x:.2f}" if x >= 1 else f"{x:.3f}")

    out = [MARKER, f"# RnnGen and TorchSharp, char-LM training update, {first.day}", ""]
    out += ["## Machine", ""]
    out.append(f"- CPU: {cpu.get('Model name', 'unknown')} (vendor {cpu.get('Vendor ID', '?')}, family {cpu.get('CPU family', '?')}, "
               f"model {cpu.get('Model', '?')}), short name `{slug(cpu)}`; AVX-512F: {'yes' if 'avx512f' in flags else 'no'}; "
               f"CPUs: {cpu.get('CPU(s)', '?')}{'; ' + cpu['Hypervisor vendor'] + ' guest' if cpu.get('Hypervisor vendor') else ''}")
    out.append(f"- Caches: L1d {cpu.get('L1d cache', '?')}, L2 {cpu.get('L2 cache', '?')}, L3 {cpu.get('L3 cache', '?')}")
    out.append(f"- One core's FP32 FMA peak (the highest `PEAK` of the runs): {'–' if math.isnan(peak) else f'{peak:.1f} GFLOP/s'}")
    out.append(f"- .NET SDK: {first.meta.get('dotnet', '?')}; kernel {first.meta.get('kernel', '?')}")
    tree = first.meta.get("tree", "")
    dirty = f" with uncommitted changes (diff {tree.split()[0]})" if tree and not tree.endswith("dirty_files=0") else ""
    out.append(f"- Runs started (UTC): {', '.join(log.meta.get('date', '?') for log in logs)}; commit {first.meta.get('commit', '?')}{dirty}")
    out.append(f"- Settings: {first.meta.get('config', '?')}; {first.meta.get('pin', '')}")
    out += ["", "## Commands", "", "```"]
    for log in logs:
        out.append(log.meta.get("command", "bash benchmarks/peers/run.sh --training"))
    out.append("python3 benchmarks/peers/summarize.py " + " ".join(argv))
    out += ["```", "", "The processes (the order rotated by one each round):", "", "```"]
    out += first_round_commands(logs)
    out += ["```", ""]
    failed = sorted({(peer, rc) for log in logs for (_, peer, rc) in log.exits if rc != 0})
    if failed:
        out += ["Processes that exited non-zero: " + ", ".join(f"{p} (exit {rc})" for p, rc in failed), ""]

    out += ["## One update, ms (median of the round medians, range over rounds)", "",
            "Embedding(65, 32) → recurrent layer → Linear(65), T = 64, mean cross-entropy, Adam(2e-3), clip 5. RnnGen: the "
            "`Trainer` with 8 shards at batch 32; TorchSharp: `set_num_threads(workers)`. **× TorchSharp** is TorchSharp / "
            "RnnGen per round (above 1 RnnGen is faster); **GFLOP/s** counts 3 × the forward's matrix products; **% of peak** "
            "is against workers × one core's measured peak; **2 / 1 workers** is the speed-up of the two-worker row over the "
            "one-worker row of the same round; **fastest** is the fastest repetition of any round (on a shared machine the "
            "least disturbed one), RnnGen / TorchSharp.", "",
            "| model | batch | workers | RnnGen | TorchSharp 2.10 | × TorchSharp | RnnGen GFLOP/s | % of peak | 2 / 1 workers, RnnGen | 2 / 1, TorchSharp | fastest |",
            "|---|---|---|---|---|---|---|---|---|---|---|"]
    for model, batch, workers in TRAINING_ROWS:
        ours, theirs = ("rnngen", model, batch, workers), ("torchsharp", model, batch, workers)
        if not series(ours) and not series(theirs):
            continue
        mine = series(ours)
        med = statistics.median(mine) if mine else float("nan")
        gflops = training_flops(model, batch) / (med * 1e6) if mine else float("nan")
        pct = 100 * gflops / (peak * workers) if not math.isnan(peak) else float("nan")
        scale = scale_t = "–"
        if workers == 2:
            scale = with_range(per_round(("rnngen", model, batch, 1), ours, lambda a, b: a / b), ratio) + "×"
            scale_t = with_range(per_round(("torchsharp", model, batch, 1), theirs, lambda a, b: a / b), ratio) + "×"
        out.append(f"| {TRAINING_MODELS[model][0]} | {batch} | {workers} | {with_range(mine, ms)} | {with_range(series(theirs), ms)} | "
                   f"{with_range(per_round(ours, theirs, lambda a, b: b / a), ratio)}× | {'–' if math.isnan(gflops) else f'{gflops:.1f}'} | "
                   f"{'–' if math.isnan(pct) else f'{pct:.0f} %'} | {scale} | {scale_t} | "
                   f"{ms(fastest.get(ours, float('nan')))} / {ms(fastest.get(theirs, float('nan')))} |")
    out.append("")

    if any(kind in ("PHASE", "PHASES") for log in logs for kind, _ in log.phases):
        out += ["## One RnnGen update taken apart (µs, one thread; `RnnGen.Benchmarks training-phases`)", "",
                "Serial phases run on one core whatever the worker count; parallel ones split over the workers. "
                "**parallel, two threads** runs each half of the parallel part on its own core at once. One profile per run "
                "(its `PEAK` line says how busy the machine was: a busy core measures less than its peak).", ""]
    for log in logs:
        phase_lines = [(kind, f) for kind, f in log.phases if kind in ("PHASE", "PHASES")]
        if not phase_lines:
            continue
        peak_line = next((f for kind, f in log.phases if kind == "PEAK"), {})
        out += [f"### Run of {log.meta.get('date', '?')} (peak in the run: {peak_line.get('gflops512', '?')} GFLOP/s Vector512, "
                f"{peak_line.get('gflops256', '?')} Vector256)", ""]
        models = []
        for kind, f in phase_lines:
            k = (f.get("model"), f.get("batch"), f.get("shards"))
            if k not in models:
                models.append(k)
        for model, batch, shards in models:
            rows = [f for kind, f in phase_lines if kind == "PHASE" and (f.get("model"), f.get("batch"), f.get("shards")) == (model, batch, shards)]
            summary = [f for kind, f in phase_lines if kind == "PHASES" and (f.get("model"), f.get("batch"), f.get("shards")) == (model, batch, shards)]
            out.append(f"{TRAINING_MODELS.get(model, (model,))[0]}, batch {batch}, {shards} shard{'s' if shards != '1' else ''}:")
            out.append("")
            out.append("| phase | kind | µs | share |")
            out.append("|---|---|---|---|")
            for f in rows:
                out.append(f"| {f.get('phase')} | {f.get('kind')} | {f.get('us')} | {f.get('share')} % |")
            for f in summary:
                out.append(f"| **serial total** | | {f.get('serial_us')} | |")
                out.append(f"| **parallel, one thread** | | {f.get('parallel_one_thread_us')} | |")
                out.append(f"| **update, one worker** | | {f.get('update_one_worker_us')} | |")
                if f.get("parallel_two_threads_us") not in (None, "NaN"):
                    out.append(f"| **parallel, two threads** | | {f.get('parallel_two_threads_us')} (×{f.get('speedup_no_serial')}) | |")
                    out.append(f"| **update, 2 workers from the phases** | | {f.get('update_two_workers_us')} (×{f.get('speedup_two')} over one; "
                               f"Amdahl limit with perfect halving ×{f.get('amdahl_limit')}) | |")
            out.append("")

    out += ["## Every round: median ms per update", ""]
    keys = sorted({k for r in rounds.values() for k in r}, key=lambda k: (k[0], TRAINING_ROWS.index(k[1:]) if k[1:] in TRAINING_ROWS else 99))
    peers = sorted({k[0] for k in keys})
    rows = [row for row in TRAINING_ROWS if any((p,) + row in rounds[r] for r in round_ids for p in peers)]
    out.append("| round | " + " | ".join(f"{p} {m} b{b} w{w}" for p in peers for (m, b, w) in rows) + " |")
    out.append("|" + "---|" * (1 + len(peers) * len(rows)))
    for r in round_ids:
        out.append(f"| {r} | " + " | ".join(ms(rounds[r].get((p,) + row)) for p in peers for row in rows) + " |")
    out += ["", "Raw logs: " + ", ".join(f"`{shown(log.path)}`" for log in logs), ""]
    return "\n".join(out)


def fmt_bytes(n):
    if not n:
        return "?"
    return f"{n // (1024 * 1024)} MiB" if n >= 1024 * 1024 and n % (1024 * 1024) == 0 else f"{n // 1024} KiB"


BOUND_MODELS = [
    "How the bounds are computed (all are lower bounds on one step on one core):",
    "",
    "- **FLOP bound** = FLOPs / the best measured FMA peak. FLOPs count 2 per multiply-add of the matrix products: "
    "2·G·H·(in + H) per recurrent layer (G = 4 LSTM, 3 GRU, 1 Elman gate blocks) and 2·out·H for the Dense head; "
    "activations and element-wise updates are not counted.",
    "- **Dependency-latency bound**: the critical path of one step in dependent-operation latencies measured on this "
    "machine (a chain of fused multiply-adds; a chain of `FastMath.Tanh` and of `FastMath.GateSigmoid` on a Vector256). "
    "Each gate pre-activation is a dot product over in + H + 1 terms (the bias as one term), reduced as a tree of "
    "FMAs/adds: ceil(log2(in + H + 1)) FMA latencies. Then, per layer: LSTM: the gate activation (max of σ and tanh, the "
    "gates in parallel), the cell update c' = f·c + i·g (2 FMA latencies), tanh(c') and the output product o·tanh(c') "
    "(1 FMA latency); GRU: the reset gate σ, its product r·(W_hn·h + b_hn) added to the input part (1 FMA latency), the "
    "candidate tanh and the update h' = n + z·(h − n) (2 FMA latencies); Elman: tanh. The 2-layer LSTM adds both layers. "
    "Only this loop-carried chain counts: the Dense head does not feed the next step, and in the 2-layer LSTM the "
    "bound is the longer of the two layers' chains (the layers of one step pipeline across steps).",
    "- **Bytes moved** = the weights and biases as the step reads them (LSTM one summed bias per gate row, GRU also "
    "the separate b_hn, Dense U·H + U) plus the recurrent state read and written, 4 bytes a float. **Weights in** says "
    "which cache holds them by lscpu's per-core L1d and L2 sizes; the **bandwidth bound** is bytes / that cache's port "
    "limit at the clock the FMA peak implies (L1d: two vector loads a cycle; L2: one 64-byte line a cycle).",
    "- **Tighter bound** is the largest of the three; **RnnGen / bound** is how far the measured median is above it.",
    "",
]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("logs", nargs="*")
    parser.add_argument("--out-dir", default=DEFAULT_OUT)
    parser.add_argument("--merge-same", action="store_true", help="also read the other logs of the same series next to the first log")
    parser.add_argument("--slug", action="store_true", help="print this machine's short name and exit")
    args = parser.parse_args()
    if args.slug:
        print(slug(local_lscpu()))
        return 0
    if not args.logs:
        parser.error("give at least one raw log")
    logs = [Log(p) for p in args.logs]
    if args.merge_same:
        folder = os.path.dirname(os.path.abspath(args.logs[0]))
        known = {os.path.abspath(p) for p in args.logs}
        for path in sorted(glob.glob(os.path.join(folder, "*.log"))):
            if os.path.abspath(path) not in known:
                other = Log(path)
                if other.same_series(logs[0]):
                    logs.append(other)
        logs.sort(key=lambda log: log.meta.get("date", ""))
    argv = ([] if os.path.abspath(args.out_dir) == DEFAULT_OUT else ["--out-dir", shown(args.out_dir)]) + [shown(log.path) for log in logs]
    training = any(row.get("mode") == "training" for log in logs for row in log.rows)
    report = build_training_report(logs, argv) if training else build_report(logs, argv)
    name = f"{slug(logs[0].lscpu_fields or local_lscpu())}-{logs[0].day}" + ("-training" if training else "")
    path = os.path.join(args.out_dir, name + ".md")
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            if MARKER not in f.readline():
                path = os.path.join(args.out_dir, name + "-peers.md")
    os.makedirs(args.out_dir, exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(report)
    print(f"summarize.py: {len(logs)} log(s) -> {shown(path)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
