#!/usr/bin/env bash
# Runs RnnGen and every peer (RTNeural's three backends, ONNX Runtime, TorchSharp) side by side in alternating rounds
# and writes benchmarks/results/<machine>-<date>.md from the raw log (see "Running the peers" in README.md here).
#
#   bash benchmarks/peers/run.sh [--rounds N] [--rtneural-bin DIR] [--results DIR] [--no-build] [--only cell in hidden]
#   bash benchmarks/peers/run.sh --training [--rounds N] [--results DIR] [--no-build]
#
#   --rounds N          rounds (default 4); each round runs every peer once, as its own process, the order rotated by one
#                       peer each round
#   --rtneural-bin DIR  a folder with the RTNeural harness binaries rtneural-eigen, rtneural-xsimd, rtneural-xsimd-avx2
#                       (built outside this repository; each must print the RESULT protocol); missing ones are skipped
#   --results DIR       where the report and the raw log (DIR/peers-raw/) go (default benchmarks/results)
#   --no-build          use the existing Release builds
#   --only C I H        run one shape only (e.g. --only lstm 8 32); the default is every shape
#   --training          the training rows instead: the char-LM update, RnnGen's Trainer and TorchSharp, one worker
#                       (taskset -c 1) and two (taskset -c 0,1), with RnnGen's per-phase profile and the FMA peak once
#
# Every process runs pinned to CPU 1 (taskset -c 1) under one lock file (flock /tmp/rnngen-bench.lock), .NET processes
# with DOTNET_TC_DelaySingleProcMultiplier=1 (with a one-CPU affinity .NET otherwise waits ten times longer before it
# promotes hot methods to optimised code, and a short warm-up would time unoptimised code).
# RNNGEN_STEPS and RNNGEN_WARMUP_MS (steps per repetition, warm-up in ms) are passed through to shrink smoke runs.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
rounds=4
rtneural_bin=""
results="$repo/benchmarks/results"
build=1
training=0
only=()
command_line="bash benchmarks/peers/run.sh $*"

while [[ $# -gt 0 ]]; do
    case "$1" in
        --rounds) rounds="$2"; shift 2 ;;
        --rtneural-bin) rtneural_bin="$(realpath -m "$2")"; shift 2 ;;
        --results) results="$(realpath -m "$2")"; shift 2 ;;
        --no-build) build=0; shift ;;
        --only) only=("$2" "$3" "$4"); shift 4 ;;
        --training) training=1; shift ;;
        -h|--help) sed -n '2,23p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "run.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
    esac
done
[[ "$rounds" =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: --rounds needs a positive number" >&2; exit 2; }

lock=/tmp/rnngen-bench.lock
say() { echo "run.sh: $*" >&2; }

# --- Build (Release, once) --------------------------------------------------------------------------------------------
rnngen_project="$repo/benchmarks/RnnGen.Benchmarks"
peers_project="$repo/benchmarks/peers/DotnetPeers"
if [[ $build -eq 1 ]]; then
    say "building RnnGen.Benchmarks (Release)"
    dotnet build -c Release "$rnngen_project" -nologo -v quiet >&2
    if [[ -f "$peers_project/DotnetPeers.csproj" ]]; then
        say "building DotnetPeers (Release)"
        dotnet build -c Release "$peers_project" -nologo -v quiet >&2 || say "DotnetPeers did not build: ONNX Runtime and TorchSharp are skipped"
    fi
fi
# Paths relative to the repository (the script runs from there), so that the report's commands read the same anywhere.
cd "$repo"
newest() { find "${1#"$repo"/}" -path '*/bin/Release/*' -name "$2" -printf '%T@ %p\n' 2>/dev/null | sort -n | tail -1 | cut -d' ' -f2-; }
rnngen_dll="$(newest "$rnngen_project" RnnGen.Benchmarks.dll)"
[[ -n "$rnngen_dll" ]] || { say "no Release build of RnnGen.Benchmarks"; exit 1; }
peers_dll=""
if [[ -d "$peers_project" ]]; then peers_dll="$(newest "$peers_project" DotnetPeers.dll)"; fi

# --- The peers: name, kind (dotnet or native), command ----------------------------------------------------------------
names=() kinds=() commands=() cpus=()
add() { names+=("$1"); kinds+=("$2"); commands+=("$3"); cpus+=("${4:-1}"); }
if [[ $training -eq 1 ]]; then
    add rnngen-train1 dotnet "dotnet $rnngen_dll training-peers 1" 1
    add rnngen-train2 dotnet "dotnet $rnngen_dll training-peers 2" 0,1
    if [[ -n "$peers_dll" ]]; then
        add torchsharp-train1 dotnet "dotnet $peers_dll torchsharp training 1" 1
        add torchsharp-train2 dotnet "dotnet $peers_dll torchsharp training 2" 0,1
    else
        say "benchmarks/peers/DotnetPeers is not built: TorchSharp is skipped"
    fi
    rtneural_bin=""
    only=()
else
add rnngen dotnet "dotnet $rnngen_dll peers"
add rnngen-streams dotnet "dotnet $rnngen_dll streams"
for backend in rtneural-eigen rtneural-xsimd rtneural-xsimd-avx2; do
    if [[ -n "$rtneural_bin" && -x "$rtneural_bin/$backend" ]]; then
        add "$backend" native "$(cd "$rtneural_bin" && pwd)/$backend"
    elif [[ -n "$rtneural_bin" ]]; then
        say "$rtneural_bin/$backend is missing or not executable: skipped"
    fi
done
[[ -n "$rtneural_bin" ]] || say "no --rtneural-bin given: the RTNeural backends are skipped"
if [[ -n "$peers_dll" ]]; then
    for peer in onnxruntime torchsharp; do
        add "$peer" dotnet "dotnet $peers_dll $peer single"
        add "$peer-streams" dotnet "dotnet $peers_dll $peer streams"
    done
else
    say "benchmarks/peers/DotnetPeers is not built: ONNX Runtime and TorchSharp are skipped"
fi
fi
count=${#names[@]}
declare -A disabled=()

# --- Raw log ----------------------------------------------------------------------------------------------------------
slug="$(python3 "$here/summarize.py" --slug)"
stamp="$(date -u +%Y-%m-%dT%H%M%SZ)"
raw_dir="$results/peers-raw"
mkdir -p "$raw_dir"
kind_suffix=""
[[ $training -eq 1 ]] && kind_suffix="-training"
log="$raw_dir/$slug-$stamp$kind_suffix.log"
errors="$raw_dir/$slug-$stamp$kind_suffix.stderr"
: > "$errors"
dirty="$(git -C "$repo" status --porcelain --untracked-files=no | wc -l)"
{
    echo "#META date=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "#META command=$command_line"
    echo "#META commit=$(git -C "$repo" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)"
    echo "#META tree=$(git -C "$repo" diff HEAD 2>/dev/null | sha1sum | cut -c1-12) dirty_files=$dirty"
    echo "#META config=rounds=$rounds steps=${RNNGEN_STEPS:-default} warmup_ms=${RNNGEN_WARMUP_MS:-default} only=${only[*]:-all}$([[ $training -eq 1 ]] && echo ' training=1')"
    echo "#META dotnet=$(dotnet --version 2>/dev/null || echo unknown)"
    echo "#META gxx=$(g++ --version 2>/dev/null | head -1 || echo unknown)"
    echo "#META kernel=$(uname -r)"
    echo "#META pin=taskset -c 1 (two-worker rows taskset -c 0,1); lock=flock $lock; dotnet env DOTNET_TC_DelaySingleProcMultiplier=1"
    LC_ALL=C lscpu | sed 's/^/#LSCPU /'
} > "$log"

# Runs one process pinned under the lock, appends its protocol lines to the log; returns 1 if it failed or printed no row.
run_one() {
    local round="$1" name="$2" kind="$3" command="$4" cpu="${5:-1}" out rc=0
    local prefix=(flock "$lock" taskset -c "$cpu")
    local environment=()
    [[ "$kind" == dotnet ]] && environment=(env DOTNET_TC_DelaySingleProcMultiplier=1)
    echo "#RUN round=$round peer=$name cmd=$(echo "${prefix[*]} ${environment[*]} $command ${only[*]}" | tr -s ' ')" >> "$log"
    # shellcheck disable=SC2086  # the command is a word list
    out="$("${prefix[@]}" "${environment[@]}" $command "${only[@]}" </dev/null 2>>"$errors")" || rc=$?
    printf '%s\n' "$out" | grep -E '^(RESULT|BOUND|PHASE|PEAK|#)' >> "$log" || true
    echo "#EXIT round=$round peer=$name rc=$rc" >> "$log"
    local rows
    rows="$(printf '%s\n' "$out" | grep -cE '^(RESULT|BOUND|PHASE)' || true)"
    say "round $round: $name: $rows rows, exit $rc"
    [[ $rc -eq 0 && $rows -gt 0 ]]
}

# --- Bounds (once per run) --------------------------------------------------------------------------------------------
if [[ $training -eq 1 ]]; then
    run_one 0 phases dotnet "dotnet $rnngen_dll training-phases" 0,1 || true
else
    run_one 0 bounds dotnet "dotnet $rnngen_dll bounds" || true
fi

# --- Rounds -----------------------------------------------------------------------------------------------------------
for ((round = 1; round <= rounds; round++)); do
    for ((k = 0; k < count; k++)); do
        i=$(( (k + round - 1) % count ))
        name="${names[$i]}"
        [[ -z "${disabled[$name]:-}" ]] || continue
        if ! run_one "$round" "$name" "${kinds[$i]}" "${commands[$i]}" "${cpus[$i]}"; then
            say "$name failed or printed no RESULT row: skipped in the later rounds (stderr: $errors)"
            disabled[$name]=1
        fi
    done
done

say "raw log: $log"
python3 "$here/summarize.py" --merge-same --out-dir "$results" "$log"
