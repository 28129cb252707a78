#!/usr/bin/env bash
# CI step for the fuzz targets: installs clang and libFuzzer's runtime if missing,
# builds build-fuzz (-DADVLAB_FUZZ=ON), runs each target on FUZZ_RUNS inputs (default
# 8000) from seed 1, at most SECONDS (default 60) each: the same inputs on any machine.
# Expects scripts/setup.sh to have installed LibTorch and the other libraries.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-60}

packages=(clang libclang-rt-14-dev)
bash scripts/apt-install.sh "${packages[@]}"

CXX=clang++ cmake -S . -B build-fuzz -DADVLAB_FUZZ=ON -DCMAKE_BUILD_TYPE=Release
cmake --build build-fuzz -j"$(nproc)"
FUZZ_SEED=${FUZZ_SEED:-1} FUZZ_RUNS=${FUZZ_RUNS:-8000} tests/fuzz/run_fuzzers.sh "$seconds"
