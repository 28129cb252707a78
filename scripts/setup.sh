#!/usr/bin/env bash
# Installs advlab's dependencies from Debian 12 and builds the advlab tool into build/.
# Idempotent: a second run only rebuilds what changed. Run as root (or with sudo) on a
# fresh machine. `--tests` also builds the test suite and the benchmarks (the README's
# test command); without it only what the main job needs is built, so it starts sooner.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  build-essential cmake pkg-config
  ccache                              # rebuilds after a fresh configure cost seconds
  libtorch-dev libopenblas0-pthread   # LibTorch; OpenBLAS instead of the slow reference BLAS
  libgloo-dev                         # headers of the libgloo LibTorch links: c10d's Gloo backend
  libcli11-dev nlohmann-json3-dev libstb-dev zlib1g-dev
  libgtest-dev libbenchmark-dev
  dataset-fashion-mnist               # the default data
  python3-torch                       # PyTorch interop tests
  libjs-chart.js                      # the chart inlined into eval reports
  chromium                            # renders eval reports in a test (headless)
)
bash scripts/apt-install.sh "${packages[@]}"

targets=(--target advlab)
[ "${1:-}" = "--tests" ] && targets=()
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
cmake --build build -j"$(nproc)" "${targets[@]}"
