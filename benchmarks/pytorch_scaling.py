#!/usr/bin/python3
"""PyTorch's streaming step for the scaling study (LSTM 32 -> H -> Linear 32, one thread, no grad), written to
benchmarks/results/pytorch-scaling.csv for `dotnet run ... -- scaling` to plot beside RnnGen.
Uses Debian's python3-torch (apt-get install -y python3-torch; run with /usr/bin/python3); skips if torch is absent."""
import pathlib
import sys
import time

try:
    import torch
except ImportError:
    print("torch is not installed: PyTorch scaling skipped")
    sys.exit(0)

OUT = pathlib.Path(__file__).resolve().parent / "results" / "pytorch-scaling.csv"
torch.set_num_threads(1)
rows = ["hidden,ns_per_step"]
with torch.no_grad():
    for hidden in [8, 16, 32, 64, 128, 256, 512]:
        lstm, head = torch.nn.LSTM(32, hidden), torch.nn.Linear(hidden, 32)
        x = torch.randn(1, 1, 32)
        state = (torch.zeros(1, 1, hidden), torch.zeros(1, 1, hidden))
        def step(state):
            y, state = lstm(x, state)
            head(y)
            return state
        for _ in range(200):
            state = step(state)
        samples = []
        for _ in range(5):
            n, start = 2000, time.perf_counter()
            for _ in range(n):
                state = step(state)
            samples.append((time.perf_counter() - start) / n * 1e9)
        samples.sort()
        rows.append(f"{hidden},{samples[2]:.1f}")
        print(f"H={hidden}: {samples[2]:,.0f} ns per step")
OUT.parent.mkdir(parents=True, exist_ok=True)
OUT.write_text("\n".join(rows) + "\n")
print(f"wrote {OUT}")
