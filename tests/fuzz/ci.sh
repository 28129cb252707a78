#!/usr/bin/env bash
# CI step for the fuzz targets: installs clang and libFuzzer's runtime if missing,
# builds build-fuzz (-DADVLAB_FUZZ=ON), runs each target for SECONDS (default 15).
# Expects scripts/setup.sh to have installed LibTorch and the other libraries.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-15}

packages=(clang libclang-rt-14-dev)
bash scripts/apt-install.sh "${packages[@]}"

CXX=clang++ cmake -S . -B build-fuzz -DADVLAB_FUZZ=ON -DCMAKE_BUILD_TYPE=Release
cmake --build build-fuzz -j"$(nproc)"
FUZZ_SEED=${FUZZ_SEED:-1} tests/fuzz/run_fuzzers.sh "$seconds"
