#!/usr/bin/env bash
# CI step for the fuzz targets: installs clang and libFuzzer's runtime if missing,
# builds build-fuzz (-DADVLAB_FUZZ=ON), runs each target for SECONDS (default 15).
# Expects scripts/setup.sh to have installed LibTorch and the other libraries.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-15}

packages=(clang libclang-rt-14-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends "${missing[@]}"
fi

CXX=clang++ cmake -S . -B build-fuzz -DADVLAB_FUZZ=ON -DCMAKE_BUILD_TYPE=Release
cmake --build build-fuzz -j"$(nproc)"
tests/fuzz/run_fuzzers.sh "$seconds"
