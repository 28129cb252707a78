#!/usr/bin/env bash
# Distributed evaluation speed-up: `advlab eval` on N test images of a PGD-trained model,
# 1 process x 1 thread against 2 processes x 1 thread (ranks started as torchrun would),
# and the same for one epoch of PGD training (all 60,000 images; TRAIN_IMAGES=N for fewer:
# process start, data loading and the final accuracy pass are serial, so short runs
# understate the speed-up). Prints wall times, the speed-up and both
# robust accuracies (which must be equal: seeds are per sample).
# Usage: bash bench/distributed_eval.sh [images=1000] [suite=standard] [advlab=build/advlab]
set -euo pipefail
images=${1:-1000}
suite=${2:-standard}
advlab=${3:-build/advlab}
work=${ADVLAB_BENCH_DIR:-cache/distributed-bench}
mkdir -p "$work"
model=$work/pgd-small-cnn.pt
if [ ! -f "$model" ]; then
  "$advlab" --quiet train --arch small-cnn --epochs 1 --adversarial pgd --eps 0.1 --attack-steps 7 --seed 1 \
    --limit "${MODEL_TRAIN_IMAGES:-20000}" --out "$model"
fi

# Starts $1 ranks of the rest of the command line on loopback; waits for all.
ranks() {
  local world=$1; shift
  local port=$(( 20000 + RANDOM % 20000 )) pids=()
  for ((r = 0; r < world; r++)); do
    RANK=$r LOCAL_RANK=$r WORLD_SIZE=$world MASTER_ADDR=127.0.0.1 MASTER_PORT=$port "$@" &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p"; done
}

seconds() { local t0=$(date +%s.%N); "$@" >/dev/null; echo "$(date +%s.%N) - $t0" | bc; }
robust() { python3 -c "import json,sys; r=json.load(open(sys.argv[1]))['results']; print(' '.join(str(x['robust_accuracy']) for x in r))" "$1"; }

parts=${PARTS:-eval,train}  # PARTS=eval or PARTS=train runs one half
if [[ $parts == *eval* ]]; then
  eval_args=(--quiet --threads 1 eval --model "$model" --data fashion-mnist:test --limit "$images" --suite "$suite" --eps 0.1 --no-checks)
  t1=$(seconds "$advlab" "${eval_args[@]}" --out "$work/eval-1")
  t2=$(seconds ranks 2 "$advlab" "${eval_args[@]}" --out "$work/eval-2")
  echo "eval --suite $suite, $images images: 1x1 ${t1} s, 2x1 ${t2} s, speed-up $(echo "scale=2; $t1 / $t2" | bc)"
  echo "robust accuracy: 1 process $(robust "$work/eval-1/report.json"), 2 processes $(robust "$work/eval-2/report.json")"
fi
[[ $parts == *train* ]] || exit 0

train_args=(--quiet --threads 1 train --arch small-cnn --epochs 1 --adversarial pgd --eps 0.1 --attack-steps 7 --limit "${TRAIN_IMAGES:-0}" --seed 2)
t1=$(seconds "$advlab" "${train_args[@]}" --out "$work/train-1.pt")
t2=$(seconds ranks 2 "$advlab" "${train_args[@]}" --out "$work/train-2.pt")
echo "one epoch of PGD-7 training on ${TRAIN_IMAGES:-all} training images: 1x1 ${t1} s, 2x1 ${t2} s, speed-up $(echo "scale=2; $t1 / $t2" | bc)"
