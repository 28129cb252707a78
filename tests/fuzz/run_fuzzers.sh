#!/usr/bin/env bash
# Runs each libFuzzer target for SECONDS (default 30) from a scratch copy of its seed
# corpus (the repository stays untouched), prints executions and coverage per target and
# fails if any target crashed, leaked, hung or hit a sanitizer error; crash inputs are
# kept in BUILD_DIR/fuzz-artifacts/<target>/.
#   tests/fuzz/run_fuzzers.sh [SECONDS] [TARGET...]      (FUZZ_BUILD_DIR, default build-fuzz)
# FUZZ_SEED fixes libFuzzer's mutation sequence; with FUZZ_RUNS too, each target stops
# after that many inputs (SECONDS is then only a cap), so a CI run explores exactly the
# inputs a run here explores, whatever the machine's speed. Unset or 0, every run draws
# a new sequence (exploration).
set -uo pipefail
cd "$(dirname "$0")/../.."

seconds=${1:-30}
seed=${FUZZ_SEED:-0}
runs=${FUZZ_RUNS:--1}
shift || true
build=${FUZZ_BUILD_DIR:-build-fuzz}
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for dir in tests/fuzz/corpus/*/; do targets+=("$(basename "$dir")"); done
fi

# Leaks fail a run, except those inside LibTorch itself (lsan.supp says which and why).
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tests/fuzz/lsan.supp:print_suppressions=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export OMP_NUM_THREADS=1 ADVLAB_THREADS=1

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
artifacts="$build/fuzz-artifacts"

# One target's run; its table row (and, on failure, its log's tail) goes to
# $scratch/<target>/report, its exit code to $scratch/<target>/rc.
fuzz_one() {
  local target=$1 binary="$build/tests/fuzz/$1" dir="$scratch/$1"
  mkdir -p "$dir" "$artifacts/$target"
  if [ ! -x "$binary" ]; then
    echo "$target: $binary not built (cmake --build $build)" >"$dir/report"
    echo 1 >"$dir/rc"
    return
  fi
  cp -r "tests/fuzz/corpus/$target" "$dir/corpus"
  local log="$dir/log"
  nice "$binary" -max_total_time="$seconds" -timeout=30 -rss_limit_mb=4096 -seed="$seed" -runs="$runs" \
    -print_final_stats=1 -artifact_prefix="$artifacts/$target/" \
    "$dir/corpus" >"$log" 2>&1
  local rc=$?
  local execs rate status cov ft corp result=ok
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
  # The last status line (DONE on a clean finish) carries the final coverage.
  status=$(grep -E '^#[0-9]+' "$log" | tail -1)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$status")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$status")
  corp=$(sed -n 's/.* corp: \([0-9]*\).*/\1/p' <<<"$status")
  [ $rc -eq 0 ] || result="FAILED (exit $rc)"
  echo "${execs:-0}" >"$dir/executions"
  {
    printf '%-24s %10s %9s %7s %7s %6s  %s\n' "$target" "${execs:--}" "${rate:--}" "${cov:--}" \
      "${ft:--}" "${corp:--}" "$result"
    if [ $rc -ne 0 ]; then
      echo "---- $target: last lines of its log (inputs kept in $artifacts/$target/) ----"
      grep -vE '^#[0-9]+' "$log" | tail -40
      echo "----"
    fi
  } >"$dir/report"
  echo $rc >"$dir/rc"
}

# Each target is one single-threaded process with its own seed and input count, so
# running FUZZ_JOBS of them at once (default: one per core) explores the same inputs.
jobs=${FUZZ_JOBS:-$(nproc)}
for target in "${targets[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n; done
  fuzz_one "$target" &
done
wait

failed=()
capped=()  # stopped by the time cap before FUZZ_RUNS inputs
printf '%-24s %10s %9s %7s %7s %6s  %s\n' target executions execs/s cov ft corpus result
for target in "${targets[@]}"; do
  cat "$scratch/$target/report"
  [ "$(cat "$scratch/$target/rc")" = 0 ] || failed+=("$target")
  [ "$runs" -le 0 ] || [ "$(cat "$scratch/$target/executions" 2>/dev/null || echo 0)" -ge "$runs" ] ||
    capped+=("$target")
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzzing failed: ${failed[*]}" >&2
  exit 1
fi
if [ "$runs" -gt 0 ] && [ ${#capped[@]} -gt 0 ]; then
  echo "all ${#targets[@]} fuzz targets ran without a finding (seed $seed); stopped by the ${seconds} s cap" \
       "before $runs inputs: ${capped[*]}"
elif [ "$runs" -gt 0 ]; then
  echo "all ${#targets[@]} fuzz targets ran $runs inputs each (seed $seed) without a finding"
else
  echo "all ${#targets[@]} fuzz targets ran ${seconds} s each without a finding"
fi
