#!/bin/bash
# splitee trace of the shipped 2,000-image sample on 1 and 2 workers, alternating, REPS rounds (default 6):
# per run the process's wall time and the trace's own `seconds` (--json: the pool, workers' start-up
# included, Node's boot and the CLI's imports not); then the medians and their ratios.
# BATCH=N passes --batch N. Run from dist under the bench lock: npm run build && flock /tmp/bench.lock bash bench/live/trace-ratio.sh
cd "$(dirname "$0")/../.."
K=${KERNELS:-simd}
out=$(mktemp -d)
for rep in $(seq 1 ${REPS:-6}); do
  for w in 1 2; do
    s=$( { /usr/bin/time -f "wall=%e" node bin/splitee.js trace --model weights/fmnist-resnet --data fashion-mnist:sample --kernels $K ${BATCH:+--batch $BATCH} --workers $w --out $out/t$w.csv --json; } 2>&1 )
    echo "workers=$w $(grep -o 'wall=[0-9.]*' <<<"$s") seconds=$(grep -o '"seconds":[0-9.]*' <<<"$s" | cut -d: -f2) load=$(cut -d' ' -f1 /proc/loadavg)"
  done
done | tee $out/runs.txt
cmp $out/t1.csv $out/t2.csv && echo "CSV identical (1 vs 2 workers)"
med() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
for f in wall seconds; do
  m1=$(grep workers=1 $out/runs.txt | grep -o "$f=[0-9.]*" | cut -d= -f2 | med)
  m2=$(grep workers=2 $out/runs.txt | grep -o "$f=[0-9.]*" | cut -d= -f2 | med)
  echo "median $f: 1 worker $m1, 2 workers $m2, ratio $(awk -v a=$m1 -v b=$m2 'BEGIN {printf "%.3f", a/b}')"
done
rm -rf $out
