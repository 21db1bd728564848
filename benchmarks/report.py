#!/usr/bin/env python3
"""Turns BenchmarkDotNet's CSV for GeneratedVsReference into the README's table (median-free: BDN's Mean per step),
generated vs reference side by side with their ratio.
    python3 benchmarks/report.py benchmarks/RnnGen.Benchmarks/BenchmarkDotNet.Artifacts/results/RnnGen.Benchmarks.GeneratedVsReference-report.csv
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
