#!/usr/bin/env bash
# Builds and runs the C++ Eigen baseline on one core. Needs g++ and Eigen (apt-get install -y libeigen3-dev).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="$(mktemp -d)"
g++ -O3 -march=native -DNDEBUG -std=c++17 -I/usr/include/eigen3 "$here/step.cpp" -o "$out/step"
lscpu | grep -E 'Model name|Flags' | sed 's/Flags:.*/(flags: '"$(grep -o -w -E 'avx2|fma|avx512f' /proc/cpuinfo | sort -u | tr '\n' ' ')"')/'
g++ --version | head -1
echo "Eigen $(grep -E 'define EIGEN_(WORLD|MAJOR|MINOR)_VERSION' /usr/include/eigen3/Eigen/src/Core/util/Macros.h | awk '{print $3}' | paste -sd.)"
taskset -c 0 "$out/step"
