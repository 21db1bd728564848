#!/usr/bin/env bash
# Serving throughput on Orleans: the SensorFleet streams served by RnnGen.Orleans with batching (one many-stream Step
# per batch) against the same streams served one grain call per step without batching, for two models: the small
# detector (LSTM 1 → 16 → Dense 1, where a step costs far less than a grain call) and a large one (LSTM 1 → 256 →
# Dense 1, where the step is a sizeable part of the call).
# Both runs are pinned to CPUs 0-1 (taskset) and hold the benchmark lock (flock /tmp/rnngen-bench.lock) from start to
# end, so that no two timed runs of this repository overlap; the load average is printed before and after. Extra
# arguments go to both runs of the sample (e.g. --clients 128).
#   bash benchmarks/orleans-serving.sh
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${RNNGEN_BENCH_LOCKED:-}" ]; then
    dotnet build samples/SensorFleet -c Release -v q -nologo >/dev/null
    exec env RNNGEN_BENCH_LOCKED=1 flock /tmp/rnngen-bench.lock bash "$0" "$@"
fi
fleet=samples/SensorFleet/bin/Release/net10.0/SensorFleet.dll
echo "# $(date -u +%Y-%m-%dT%H:%MZ); $(lscpu | sed -n 's/^Model name: *//p'); $(nproc) CPUs; pin=taskset -c 0,1"
echo "# before: $(uptime)"
echo "## small model: --mode compare --streams 20000 --steps 10"
taskset -c 0,1 dotnet "$fleet" --mode compare --streams 20000 --steps 10 "$@"
echo "## large model: --mode compare --model large --streams 4000 --steps 10"
taskset -c 0,1 dotnet "$fleet" --mode compare --model large --streams 4000 --steps 10 "$@"
echo "# after: $(uptime)"
