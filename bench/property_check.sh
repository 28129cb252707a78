#!/usr/bin/env bash
# The full property run: 10,000 random attack configurations (2,500 per world) on tiny
# models, every sample checked against the output contract. CI runs 400 of them inside
# the test suite; this is the figure for the closing note. Usage: bash bench/property_check.sh [cases]
set -euo pipefail
cd "$(dirname "$0")/.."
cases=${1:-10000}
start=$(date +%s)
ADVLAB_THREADS=1 ADVLAB_PROPERTY_CASES=$cases build/advlab_tests --gtest_filter='Worlds/AttackProperty.*' |
  grep -E '^\[property\]|FAILED|PASSED|Failure' | head -60
echo "$cases configurations in $(( $(date +%s) - start )) s (1 thread)"
