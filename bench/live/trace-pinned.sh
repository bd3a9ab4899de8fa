#!/bin/bash
# splitee trace of the shipped 2,000-image sample: 1 worker pinned to CPU 0, to CPU 1 (a VM's vCPUs may run
# at different speeds), 2 workers, 1 worker unpinned; REPS rounds (default 3); wall and CPU time.
# Run from dist under the bench lock: npm run build && flock /tmp/bench.lock bash bench/live/trace-pinned.sh
cd "$(dirname "$0")/../.."
K=${KERNELS:-simd}
run() { # label workers [cpu]
  local l0=$(cut -d' ' -f1 /proc/loadavg) pre=""
  [ -n "$3" ] && pre="taskset -c $3"
  /usr/bin/time -f "$1 workers=$2 wall=%e user=%U sys=%S load_before=$l0" $pre node bin/splitee.js trace --model weights/fmnist-resnet --data fashion-mnist:sample --kernels $K --workers $2 --out /tmp/trace-pinned-$1.csv --json 2>&1 >/dev/null
}
for rep in $(seq 1 ${REPS:-3}); do
  run cpu0 1 0
  run cpu1 1 1
  run two 2
  run unpinned 1
done
cmp /tmp/trace-pinned-cpu0.csv /tmp/trace-pinned-two.csv && echo "CSV identical (1 vs 2 workers)"
