#!/bin/bash
# splitee trace of the shipped 2,000-image sample: 1 worker pinned to CPU 0, to CPU 1 (a VM's vCPUs may run
# at different speeds), 2 workers, 1 worker unpinned; REPS rounds (default 3); wall and CPU time.
# BASE=DIR (optional): another checkout, built, whose runs are interleaved with these in every round
# (before/after: BASE=/tmp/base after `git archive COMMIT | tar -x -C /tmp/base` and its `npm run build`).
# Run from dist under the bench lock: npm run build && flock /tmp/bench.lock bash bench/live/trace-pinned.sh
cd "$(dirname "$0")/../.."
K=${KERNELS:-simd}
run() { # tree label workers [cpu]
  local l0=$(cut -d' ' -f1 /proc/loadavg) pre="" tag=$1-$2
  [ -n "$4" ] && pre="taskset -c $4"
  /usr/bin/time -f "$tag workers=$3 wall=%e user=%U sys=%S load_before=$l0" $pre node "$1/bin/splitee.js" trace --model weights/fmnist-resnet --data fashion-mnist:sample --kernels $K --workers $3 --out /tmp/trace-pinned-${tag//\//_}.csv --json 2>&1 >/dev/null
}
trees=(.)
[ -n "$BASE" ] && trees=("$BASE" .)
for rep in $(seq 1 ${REPS:-3}); do
  for t in "${trees[@]}"; do
    run "$t" cpu0 1 0
    run "$t" cpu1 1 1
    run "$t" two 2
    run "$t" unpinned 1
  done
done
for f in /tmp/trace-pinned-*.csv; do cmp /tmp/trace-pinned-.-cpu0.csv "$f" || exit 1; done && echo "CSV identical (1 vs 2 workers${BASE:+, both trees})"
