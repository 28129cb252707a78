#!/usr/bin/env bash
# Load-independent view of the split: with a busy machine wall times mean little, but each
# rank's CPU seconds show the balance and the overhead. Usage: bash bench/distributed_cpu_time.sh [model]
# CPU seconds (user+sys) per process: 1 process vs 2 ranks, the same eval on 100 images.
set -u
mkdir -p "${ADVLAB_BENCH_DIR:-cache/distributed-bench}"
cd "$(dirname "$0")/.."
M=${1:-cache/distributed-bench/pgd-small-cnn.pt}  # the model bench/distributed_eval.sh trains
A=(--quiet --threads 1 eval --model $M --data fashion-mnist:test --limit 100 --suite standard-fast --eps 0.1 --no-checks)
t0=$(date +%s.%N)
/usr/bin/time -f "single cpu %U %S wall %e" build/advlab "${A[@]}" --out ${ADVLAB_BENCH_DIR:-cache/distributed-bench}/cpu-1 >/dev/null 2>${ADVLAB_BENCH_DIR:-cache/distributed-bench}/cpu1.time
t1=$(date +%s.%N)
P=$((20000 + RANDOM % 20000))
for r in 0 1; do RANK=$r WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=$P /usr/bin/time -f "rank$r cpu %U %S wall %e" build/advlab "${A[@]}" --out ${ADVLAB_BENCH_DIR:-cache/distributed-bench}/cpu-2 >/dev/null 2>${ADVLAB_BENCH_DIR:-cache/distributed-bench}/cpu2.$r.time & done; wait
t2=$(date +%s.%N)
tail -n1 ${ADVLAB_BENCH_DIR:-cache/distributed-bench}/cpu1.time ${ADVLAB_BENCH_DIR:-cache/distributed-bench}/cpu2.0.time ${ADVLAB_BENCH_DIR:-cache/distributed-bench}/cpu2.1.time
echo "wall single $(echo "$t1 - $t0" | bc) two $(echo "$t2 - $t1" | bc)"
python3 -c "import json; [print(p, [r['robust_accuracy'] for r in json.load(open(p))['results']]) for p in ['${ADVLAB_BENCH_DIR:-cache/distributed-bench}/cpu-1/report.json','${ADVLAB_BENCH_DIR:-cache/distributed-bench}/cpu-2/report.json']]"
cmp ${ADVLAB_BENCH_DIR:-cache/distributed-bench}/cpu-1/adversarials-eps0.1.pt ${ADVLAB_BENCH_DIR:-cache/distributed-bench}/cpu-2/adversarials-eps0.1.pt && echo "adversarials identical"
