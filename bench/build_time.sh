#!/usr/bin/env bash
# Clean-build time of each target from a fresh clone (packages already installed), the
# figure behind "the main job starts within N minutes". ccache is bypassed so that the
# numbers are those of a first build. Usage: bash bench/build_time.sh [jobs]
set -euo pipefail
jobs=${1:-$(nproc)}
src=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
git clone -q "$src" "$work/advlab"
cd "$work/advlab"
export CCACHE_DISABLE=1
start=$(date +%s)
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
echo "configure: $(( $(date +%s) - start )) s"
for target in advlab advlab_tests advlab_bench; do
  t0=$(date +%s)
  cmake --build build -j"$jobs" --target "$target" >/dev/null
  echo "$target (after the ones above): $(( $(date +%s) - t0 )) s"
done
echo "total: $(( $(date +%s) - start )) s at -j$jobs on $(nproc) cores"
