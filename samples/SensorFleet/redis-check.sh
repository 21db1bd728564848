#!/usr/bin/env bash
# Checks SensorFleet on Redis: starts a private redis-server (free port, temporary directory, no persistence), runs the
# sample with --redis (Redis clustering and grain storage, one silo stopped halfway) on a small fleet, and fails unless
# the sample says "served", every stream of the stopped silo recovered, no sampled stream differs from a single-process
# run, and the cluster-wide weights update made before the stop (its release kept in Redis) reached both silos and every
# later step. Stops redis afterwards. Needs redis-server (apt-get install redis-server).
#   bash samples/SensorFleet/redis-check.sh                      # 1,000 streams × 8 steps
#   bash samples/SensorFleet/redis-check.sh --streams 5000        # extra arguments go to the sample
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v redis-server >/dev/null || { echo "redis-check: redis-server not found (apt-get install redis-server)" >&2; exit 2; }

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
dir=$(mktemp -d /tmp/sensorfleet-redis.XXXXXX)
redis-server --port "$port" --bind 127.0.0.1 --dir "$dir" --save "" --appendonly no --logfile "$dir/redis.log" &
redis_pid=$!
cleanup() { kill "$redis_pid" 2>/dev/null || true; wait "$redis_pid" 2>/dev/null || true; rm -rf "$dir"; }
trap cleanup EXIT

ready=0
for _ in $(seq 1 50); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port" && printf 'PING\r\n' >&3 && head -c 5 <&3 | grep -q PONG) 2>/dev/null; then ready=1; break; fi
    sleep 0.2
done
[ "$ready" = 1 ] || { echo "redis-check: redis-server did not answer on port $port" >&2; cat "$dir/redis.log" >&2; exit 1; }
echo "# redis-server $(redis-server --version | sed -n 's/.*v=\([^ ]*\).*/\1/p') on 127.0.0.1:$port, data in $dir"

dotnet build samples/SensorFleet -c Release -v q -nologo >/dev/null
set +e
dotnet samples/SensorFleet/bin/Release/net10.0/SensorFleet.dll --redis "127.0.0.1:$port" --streams 1000 --steps 8 "$@" | tee "$dir/out.txt"
rc=${PIPESTATUS[0]}
set -e

fail() { echo "redis-check: FAILED: $1" >&2; exit 1; }
[ "$rc" = 0 ] || fail "the sample exited with $rc"
moved=$(sed -n 's/.*: \([0-9,]*\) streams moved to the other silo, \([0-9,]*\) recovered.*/\1 \2/p' "$dir/out.txt" | tr -d ,)
read -r m r <<<"${moved:-x y}"
[[ "$m" =~ ^[0-9]+$ && "$r" =~ ^[0-9]+$ ]] || fail "no line reporting the streams of the stopped silo"
[ "$m" -gt 0 ] || fail "no stream moved off the stopped silo"
[ "$m" = "$r" ] || fail "$r of $m streams of the stopped silo recovered"
checked=$(sed -n 's/^checked: \([0-9,]*\) streams equal a single-process run bit for bit, \([0-9,]*\) differ.*/\1 \2/p' "$dir/out.txt" | tr -d ,)
read -r c d <<<"${checked:-x y}"
[[ "$c" =~ ^[0-9]+$ && "$d" =~ ^[0-9]+$ ]] || fail "no line reporting the bit-identical checks"
[ "$c" -gt 0 ] && [ "$d" = 0 ] || fail "$d of $c sampled streams differ from a single-process run"
weights=$(sed -n 's/^weights: release \([0-9]*\) .* rolled out to \([0-9]*\) of 2 silos before the stop; \([0-9,]*\) later steps on an older version.*/\1 \2 \3/p' "$dir/out.txt" | tr -d ,)
read -r wr ws wo <<<"${weights:-x y z}"
[ "$wr" = 1 ] && [ "$ws" = 2 ] && [ "$wo" = 0 ] || fail "the cluster-wide weights update did not reach both silos and every later step (release $wr, $ws silos, $wo stale steps)"
grep -q '^served' "$dir/out.txt" || fail "the sample's verdict is not 'served'"
echo "redis-check: passed: all $m streams of the stopped silo recovered; $c sampled streams bit-identical to a single-process run; weights release $wr on both silos, no later step on an older version"
