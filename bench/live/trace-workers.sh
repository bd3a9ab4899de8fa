#!/bin/bash
# splitee trace of the shipped 2,000-image sample on 1 and 2 workers, interleaved; wall and CPU time.
cd "$(dirname "$0")/../.."
for rep in 1 2; do
  for w in 1 2; do
    l0=$(cut -d' ' -f1 /proc/loadavg)
    /usr/bin/time -f "workers=$w rep=$rep wall=%e user=%U sys=%S load_before=$l0" node bin/splitee.js trace --model weights/fmnist-resnet --data fashion-mnist:sample --kernels ${KERNELS:-simd} --workers $w --out /tmp/kernels-cli-trace-w$w.csv --json 2>&1 | tail -2
    echo "load_after=$(cut -d' ' -f1-3 /proc/loadavg)"
  done
done
cmp /tmp/kernels-cli-trace-w1.csv /tmp/kernels-cli-trace-w2.csv && echo "CSV identical (1 vs 2 workers)"
