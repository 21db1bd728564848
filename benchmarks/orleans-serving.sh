#!/usr/bin/env bash
# Serving throughput on Orleans: the SensorFleet streams served by RnnGen.Orleans with batching (one many-stream Step
# per batch) against the same streams served one grain call per step without batching, in one run.
# Pinned to CPUs 0-1 (taskset) under the benchmark lock (flock /tmp/rnngen-bench.lock), so that no two timed runs of
# this repository overlap. Extra arguments go to the sample (e.g. --streams 100000).
#   bash benchmarks/orleans-serving.sh
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build samples/SensorFleet -c Release -v q -nologo >/dev/null
echo "# $(date -u +%Y-%m-%dT%H:%MZ); $(lscpu | sed -n 's/^Model name: *//p'); $(nproc) CPUs; pin=taskset -c 0,1"
flock /tmp/rnngen-bench.lock taskset -c 0,1 \
    dotnet samples/SensorFleet/bin/Release/net10.0/SensorFleet.dll --mode compare --streams 20000 --steps 10 "$@"
