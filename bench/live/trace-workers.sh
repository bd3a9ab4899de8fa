#!/bin/bash
# splitee trace of the shipped 2,000-image sample on 1 and 2 workers (WORKERS="1 2 3" for more), interleaved,
# REPS times (default 2); wall and CPU time, with the 1-minute load average before and after each run.
# Runs dist: `npm run build` first; wrap it in `flock /tmp/bench.lock`. KERNELS=fast for the TypeScript table.
cd "$(dirname "$0")/../.."
for rep in $(seq 1 "${REPS:-2}"); do
  for w in ${WORKERS:-1 2}; do
    l0=$(cut -d' ' -f1 /proc/loadavg)
    /usr/bin/time -f "workers=$w rep=$rep wall=%e user=%U sys=%S load_before=$l0" node bin/splitee.js trace --model weights/fmnist-resnet --data fashion-mnist:sample --kernels ${KERNELS:-simd} --workers $w --out /tmp/kernels-cli-trace-w$w.csv --json 2>&1 | tail -1
    echo "load_after=$(cut -d' ' -f1-3 /proc/loadavg)"
  done
done
for w in ${WORKERS:-1 2}; do
  cmp /tmp/kernels-cli-trace-w1.csv /tmp/kernels-cli-trace-w$w.csv || exit 1
done
echo "CSV identical (workers: ${WORKERS:-1 2})"
