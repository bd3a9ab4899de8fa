#!/bin/bash
# Where requests wait behind nginx: 2 `splitee serve` replicas (ports 18081, 18082) behind nginx (18080)
# on CONF (default deploy/nginx.conf, its 8080-8082 ports rewritten, 8083 dropped), autocannon at CONC
# connections (default 200) for SECS seconds (default 6). Every 0.5 s it prints each replica's listen
# backlog (connections the kernel accepted that the replica has not, `ss -ltn` Recv-Q / limit), then
# the replicas' sockets holding unread bytes, split into accepted (owned by a process) and not.
# Run under the bench lock: flock /tmp/bench.lock bash bench/cloud/nginx-backlog.sh [CONF] [CONC] [SECS]
set -euo pipefail
cd "$(dirname "$0")/../.."
CONF=${1:-deploy/nginx.conf}; CONC=${2:-200}; SECS=${3:-6}
RUN=$(mktemp -d); mkdir -p "$RUN/tmp"
pids=()
trap 'kill ${pids[@]} 2>/dev/null; wait 2>/dev/null; rm -rf "$RUN"' EXIT
for p in 18081 18082; do node --import tsx src/node/cli.ts serve --model weights/fmnist-resnet --port $p --quiet >/dev/null & pids+=($!); done
sed -e 's/127.0.0.1:8080/127.0.0.1:18080/; s/127.0.0.1:8081/127.0.0.1:18081/; s/127.0.0.1:8082/127.0.0.1:18082/; /127.0.0.1:8083/d; s/access_log access.log;/access_log off;/' "$CONF" > "$RUN/nginx.conf"
for i in $(seq 100); do curl -sf http://127.0.0.1:18081/readyz >/dev/null && curl -sf http://127.0.0.1:18082/readyz >/dev/null && break; sleep 0.1; done
nginx -c "$RUN/nginx.conf" -p "$RUN" -g 'daemon off;' & pids+=($!)
sleep 0.5
node --import tsx bench/cloud/nginx-backlog-load.ts "$CONC" "$SECS" "$RUN/started" & load=$!
while [ ! -e "$RUN/started" ]; do sleep 0.1; done
for i in $(seq $((SECS * 2 - 2))); do
  sleep 0.5
  ss -ltn '( sport = :18081 or sport = :18082 )' | awk 'NR>1 {printf "%s backlog %s/%s  ", $4, $2, $3} END {print ""}'
done
ss -tnp state established '( sport = :18081 or sport = :18082 )' | awk 'NR>1 && $1>0 {if ($0 ~ /users:/) a++; else u++} END {printf "replica sockets with unread bytes: %d accepted, %d not yet accepted\n", a, u}'
wait $load
