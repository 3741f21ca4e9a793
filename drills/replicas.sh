# The replicas drills (sourced by drills/run, which has started PostgreSQL and built the client):
# two servers on one database behind HAProxy (drills/haproxy.cfg), the balancer at $PORT, the
# servers at $PORT+1 and $PORT+2.
#   replicas             under load through the balancer replica A is killed with kill -9 and
#                        started again; ReplicasDrill checks what must hold (docs/reliability.md)
#   replicas-throughput  transaction ingest through the balancer to two replicas, then to replica A
#                        alone (B started but idle), twice each, after a warm-up of both
command -v haproxy >/dev/null || {
  echo "$ME: installing HAProxy (Debian's haproxy package)"
  # Package lists may be missing or stale on a fresh machine: read them again once if needed.
  { DEBIAN_FRONTEND=noninteractive apt-get install -y -q haproxy \
      || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q haproxy; }; } >"$WORK/apt.log" 2>&1 \
    || { echo "$ME: could not install haproxy; see $WORK/apt.log"; exit 2; }
}
LB_PORT=$PORT
A_PORT=$((PORT + 1))
B_PORT=$((PORT + 2))
# One issuer and one signing key for both: a token from either is good at the other.
SERVER_ISSUER="http://localhost:$LB_PORT/dev-issuer"
SERVER_ARGS+=(--samverkan.security.dev-issuer.key-file="$WORK/dev-issuer.jwk"
  --samverkan.notify.allowed-endpoints=http://127.0.0.1:1024-65535)

start_replica() { # name port
  PORT=$2 SERVER_LOG="$WORK/replica-$1.log" server_start
  echo "drills/run: replica $1 ready on :$2 in ${SERVER_START_SECONDS} s (pid $SERVER_PID)"
  echo "$SERVER_PID" >"$WORK/replica-$1.pid"
}
# Both at once on the empty database: one installs the schema and the FHIR package, the other
# waits for it (HAPI's migration lock, LocksAcrossServers) and finds them there.
start_replica b "$B_PORT" &
STARTING_B=$!
start_replica a "$A_PORT"
wait "$STARTING_B"
A_PID=$(cat "$WORK/replica-a.pid"); B_PID=$(cat "$WORK/replica-b.pid")
REPLICA_PIDS=("$A_PID" "$B_PID")
SERVER_PID=""
echo "drills/run: FHIR package installed by $(cat "$WORK"/replica-*.log | grep -c 'Installed FHIR package') replica(s)," \
  "found installed by $(cat "$WORK"/replica-*.log | grep -c 'is installed and unchanged')"

LB_FILES=(-f drills/haproxy.cfg)
if [[ $DRILL == replicas-throughput ]]; then
  # A second entrance at $PORT+3 to replica A alone, through the same HAProxy: "one replica"
  # while B stays started and warm, so that neither figure pays for a cold JVM.
  ONE_PORT=$((PORT + 3))
  cat >"$WORK/haproxy-one.cfg" <<CFG
frontend one
  bind 127.0.0.1:$ONE_PORT
  default_backend replica-a
backend replica-a
  option httpchk GET /actuator/health/readiness
  server a 127.0.0.1:$A_PORT check inter 1s
CFG
  LB_FILES+=(-f "$WORK/haproxy-one.cfg")
fi
LB_BIND=127.0.0.1:$LB_PORT REPLICA_A=127.0.0.1:$A_PORT REPLICA_B=127.0.0.1:$B_PORT \
  haproxy -db "${LB_FILES[@]}" >"$WORK/haproxy.log" 2>&1 &
LB_PID=$!
for _ in $(seq 1 50); do curl -sf -o /dev/null "http://localhost:$LB_PORT/actuator/health/readiness" && break; sleep 0.2; done
echo "drills/run: HAProxy $(haproxy -v | head -n 1 | awk '{print $3}') on :$LB_PORT, round robin over :$A_PORT and :$B_PORT"

if [[ $DRILL == replicas-throughput ]]; then
  SECONDS_OF_LOAD=${DRILL_SECONDS:-60}
  CLIENTS=${DRILL_CLIENTS:-8}
  ingest() { # label seconds port
    java -cp "$CP" se.samverkan.drills.DrillClient ingest --base "http://localhost:$3/fhir" --work "$WORK" \
      --seconds "$2" --clients "$CLIENTS" --out "$WORK/ingest-$1.tsv" >"$WORK/ingest-$1.log" 2>&1
    local acked
    acked=$(awk -F'\t' '$3 ~ /^2/' "$WORK/ingest-$1.tsv" | wc -l)
    echo "drills/run: $1: $acked transactions of 11 resources acknowledged in $2 s by $CLIENTS clients:" \
      "$(awk -v n="$acked" -v s="$2" 'BEGIN {printf "%.1f", n * 11 / s}') resources/s;" \
      "$(grep -c . "$WORK/ingest-$1.tsv") sent"
  }
  ingest warm-up 60 "$LB_PORT"
  ingest two-1 "$SECONDS_OF_LOAD" "$LB_PORT"
  ingest one-1 "$SECONDS_OF_LOAD" "$ONE_PORT"
  ingest two-2 "$SECONDS_OF_LOAD" "$LB_PORT"
  ingest one-2 "$SECONDS_OF_LOAD" "$ONE_PORT"
  echo "drills/run: RSS replica a $(awk '/VmRSS/ {printf "%d", $2/1024}' /proc/$A_PID/status) MiB," \
    "replica b $(awk '/VmRSS/ {printf "%d", $2/1024}' /proc/$B_PID/status) MiB; $(nproc) cores"
  return 0
fi

SECONDS_OF_LOAD=${DRILL_SECONDS:-90}
java -cp "$CP" se.samverkan.drills.DrillClient replicas --base "http://localhost:$LB_PORT/fhir" \
  --a "http://localhost:$A_PORT/fhir" --b "http://localhost:$B_PORT/fhir" \
  --seconds "$SECONDS_OF_LOAD" --clients 4 >"$WORK/client.log" 2>&1 &
CLIENT=$!
sleep 35
echo "drills/run: kill -9 replica a (pid $A_PID) under load"; kill -9 "$A_PID"
KILLED_AT=$(date +%s)
sleep 5
PORT=$A_PORT SERVER_LOG="$WORK/replica-a.log" server_start; A_PID=$SERVER_PID; SERVER_PID=""
REPLICA_PIDS=("$A_PID" "$B_PID")
echo "drills/run: replica a back (pid $A_PID) $(( $(date +%s) - KILLED_AT )) s after the kill"
set +e
wait "$CLIENT"; RESULT=$?
set -e
cat "$WORK/client.log" | grep '^drill:'
echo "drills/run: RSS replica a $(awk '/VmRSS/ {printf "%d", $2/1024}' /proc/$A_PID/status) MiB, replica b $(awk '/VmRSS/ {printf "%d", $2/1024}' /proc/$B_PID/status) MiB"
# HAProxy's view: answers by status and by server (httplog: field 6 the status or -1, 4 backend/server).
echo "drills/run: HAProxy answered, by status: $(awk '$6 ~ /^-?[0-9]+$/ {n[$6]++} END {for (s in n) printf "%s=%d ", s, n[s]}' "$WORK/haproxy.log")"
echo "drills/run: HAProxy, by server: $(awk '$6 ~ /^-?[0-9]+$/ {n[$4]++} END {for (s in n) printf "%s=%d ", s, n[s]}' "$WORK/haproxy.log")"
echo "drills/run: HAProxy's health checks: $(grep -c 'is DOWN' "$WORK/haproxy.log") down, $(grep -c 'is UP' "$WORK/haproxy.log") up (each logged twice)"
if [[ $RESULT != 0 ]]; then echo "drills/run: replicas drill FAILED (client log $WORK/client.log)"; exit 1; fi
echo "drills/run: replicas drill passed"
