#!/bin/bash
# `splitee serve --workers 2` under the load bench, interleaved: the default queue against SERVE_ARGS
# (default "--max-queued 8"), N rounds (default 3); prints the `2 workers` rows and ratio lines.
# Run under the bench lock: flock /tmp/bench.lock bash bench/cloud/workers-queue.sh
cd "$(dirname "$0")/../.."
for r in $(seq 1 ${N:-3}); do
  for args in "" "${SERVE_ARGS:---max-queued 8}"; do
    echo "== round $r serve args '$args' $(date -u +%H:%M) load $(cut -d' ' -f1-2 /proc/loadavg)"
    SPLITEE_SERVE_ARGS="$args" SPLITEE_LOAD_SETUPS=workers SPLITEE_LOAD_RSS=2000 npm run bench -- cloud 2>&1 | grep -E "^2 workers"
  done
done
