#!/usr/bin/env python3
"""Turns BenchmarkDotNet's CSV for GeneratedVsReference into the README's tables: generated vs reference per step
with their ratio, then the generated model's achieved GFLOP/s against this machine's peak (from `-- peak`).
    python3 benchmarks/report.py <GeneratedVsReference-report.csv> [peak GFLOP/s]
FLOPs per step count the matrix products (2 per multiply-add): forward 2·G·H·(I + H) + 2·I·H for
input I → recurrent(H, G gate blocks) → Dense(I); Forward+Backward counts 3× that (dW and dx/dh products).
Weight bytes are what one step must read (all weights, 4 bytes each).
"""
import csv
import sys

UNITS = {"ns": 1.0, "μs": 1e3, "us": 1e3, "ms": 1e6, "s": 1e9}


def nanoseconds(text):
    value, unit = text.replace(",", "").split()
    return float(value) * UNITS[unit]


rows = {}
with open(sys.argv[1], newline="", encoding="utf-8") as f:
    for r in csv.DictReader(f):
        key = (r["Kind"], r["Shape"], r["Method"])
        rows.setdefault(key, {})[r["Runtime"]] = (nanoseconds(r["Mean"]), r["Allocated"])

kinds = {"Lstm": "LSTM", "Gru": "GRU", "Rnn": "Elman"}
shapes = ["1,8", "8,32", "32,64", "64,128", "128,256"]
methods = [("Step", "Step"), ("Forward", "Forward (per step, T = 64)"), ("ForwardBackward", "Forward+Backward (per step, T = 64)")]
print("| layer | (in, hidden) | " + " | ".join(f"{label}: generated / reference (×)" for _, label in methods) + " | allocated |")
print("|---|---|" + "---|" * len(methods) + "---|")
for kind, name in kinds.items():
    for shape in shapes:
        cells, allocated = [], set()
        for method, _ in methods:
            g, r = rows[(kind, shape, method)]["generated"], rows[(kind, shape, method)]["reference"]
            allocated.update([g[1], r[1]])

            def fmt(ns):
                return f"{ns:,.0f} ns" if ns < 10_000 else f"{ns / 1000:,.1f} µs"
            cells.append(f"{fmt(g[0])} / {fmt(r[0])} ({r[0] / g[0]:.1f}×)")
        print(f"| {name} | ({shape.replace(',', ', ')}) | " + " | ".join(cells) + f" | {', '.join(sorted(allocated))} |")

peak = float(sys.argv[2]) if len(sys.argv) > 2 else None
gates = {"Lstm": 4, "Gru": 3, "Rnn": 1}
print()
print("| layer | (in, hidden) | FLOPs / step | weight bytes / step | Step GFLOP/s | Forward GFLOP/s | Forward+Backward GFLOP/s |"
      + (" best % of peak |" if peak else ""))
print("|---|---|---|---|---|---|---|" + ("---|" if peak else ""))
for kind, name in kinds.items():
    for shape in shapes:
        i, h = map(int, shape.split(","))
        g = gates[kind]
        flops = 2 * g * h * (i + h) + 2 * i * h
        weights = 4 * (g * h * (i + h) + i * h)
        rates = [flops / rows[(kind, shape, "Step")]["generated"][0], flops / rows[(kind, shape, "Forward")]["generated"][0],
                 3 * flops / rows[(kind, shape, "ForwardBackward")]["generated"][0]]
        line = f"| {name} | ({i}, {h}) | {flops:,} | {weights:,} | " + " | ".join(f"{r:.1f}" for r in rates) + " |"
        if peak:
            line += f" {100 * max(rates) / peak:.0f}% |"
        print(line)
