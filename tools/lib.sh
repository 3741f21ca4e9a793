# Shared by drills/run and bench/run (sourced, not run): a throwaway PostgreSQL from the machine's
# binaries and a Samverkan from a copy of the jar, both living in a work directory, and the Java
# clients run from target/test-classes.
#
# The caller sets, before calling the functions:
#   ME       name for messages (drills/run, bench/run)
#   WORK     the work directory (PostgreSQL data in $WORK/pg, the server's log in $WORK/server.log)
#   PORT     the server's HTTP port;  PG_PORT  PostgreSQL's port
#   SERVER_DB          postgres (default) or h2 (embedded, files in $WORK/h2)
#   SERVER_JAVA_OPTS   JVM options of the server (default -Xmx1g)
#   SERVER_ARGS        extra Spring arguments (an array, e.g. --samverkan.profiles.enforcement=strict)
#   SERVER_START_TIMEOUT  seconds to wait for readiness (default 300: a start on a busy 2-core machine took over 120 s)
#   SERVER_LAUNCH      jar (default: java -jar) or prepared (tools/prepare-start: the jar extracted,
#                      with a class-data-sharing archive, as the image starts it)
#   SERVER_LOG         the server's log (default $WORK/server.log; replicas each have their own)
#   SERVER_ISSUER      the development issuer's iss (default http://localhost:$PORT/dev-issuer;
#                      replicas behind a balancer share one)
# and runs from the repository root.

PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
SERVER_PID=""
SERVER_DB=${SERVER_DB:-postgres}
SERVER_JAVA_OPTS=${SERVER_JAVA_OPTS:--Xmx1g}
SERVER_START_TIMEOUT=${SERVER_START_TIMEOUT:-300}
SERVER_LAUNCH=${SERVER_LAUNCH:-jar}
# Seconds from launching java until readiness answered 200 (set by server_start).
SERVER_START_SECONDS=""
if [[ -z ${SERVER_ARGS+x} ]]; then SERVER_ARGS=(); fi

# --- PostgreSQL -------------------------------------------------------------------------------

# initdb and postgres refuse to run as root; as root they run as the postgres user.
as_pg() { if [[ $(id -u) == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }
pg_ctl() { as_pg "$PG_BIN/pg_ctl" -D "$WORK/pg" -l "$WORK/pg.log" -w -t 60 "$@" >/dev/null; }
pg_start() { pg_ctl -o "-c listen_addresses=127.0.0.1 -c port=$PG_PORT -k $WORK" start; }
pg_stop() { pg_ctl -m fast stop; }
pg_version() { "$PG_BIN/postgres" --version | awk '{print $3}'; }

# Whether something accepts connections on 127.0.0.1:<port>.
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
# Waits up to 10 s for the port to be free (a server just killed may still hold it), else exits.
port_free() {
  for _ in $(seq 1 100); do port_in_use "$1" || return 0; sleep 0.1; done
  echo "$ME: port $1 is in use by another process; choose another"; exit 1
}

pg_require() { [[ -x "$PG_BIN/initdb" ]] || { echo "$ME: no PostgreSQL binaries (apt-get install postgresql)"; exit 2; }; }

# A fresh cluster in $WORK/pg with an empty database "samverkan", started.
pg_create() {
  pg_require
  port_free "$PG_PORT"
  id -u postgres >/dev/null 2>&1 || [[ $(id -u) != 0 ]] || useradd --system --no-create-home postgres
  mkdir -p "$WORK/pg" && [[ $(id -u) != 0 ]] || chown -R postgres "$WORK"
  as_pg "$PG_BIN/initdb" -D "$WORK/pg" -U postgres --auth=trust -E UTF8 >/dev/null
  pg_start
  as_pg "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres samverkan
}

# --- building ---------------------------------------------------------------------------------

# Maven offline first (~/.m2 is usually warm), online if that fails.
mvn_quiet() { ./mvnw -q -B -o "$@" 2>/dev/null || ./mvnw -q -B "$@"; }

# The Java clients' classpath: test classes, main classes and the test-scope dependencies.
# Offline first, online if that fails (a fresh ~/.m2 may lack the dependency plugin); an empty
# answer would start the client with half a classpath. Call it as CP=$(test_classpath) || exit 1.
test_classpath() {
  local deps
  deps=$(mvn_quiet dependency:build-classpath -Dmdep.outputFile=/dev/stdout -Dmdep.includeScope=test) || true
  [[ $deps == *slf4j-api* ]] || { echo "$ME: could not resolve the test classpath (./mvnw dependency:build-classpath)" >&2; return 1; }
  echo "target/test-classes:target/classes:$deps"
}

# --- the server -------------------------------------------------------------------------------

# Copies the server jar to $WORK/samverkan.jar, and with it this tree's development tooling
# (target/dev-classes and target/dev-lib, made by ./mvnw compile and process-classes) to $WORK/dev:
# the jar no longer carries the development issuer the clients take tokens from (pom.xml), so
# server_start adds it. A copy, so that a later build does not pull either away.
server_install() {
  cp "$1" "$WORK/samverkan.jar"
  rm -rf "$WORK/dev" && mkdir -p "$WORK/dev"
  [[ -d target/dev-classes && -d target/dev-lib ]] \
    || { echo "$ME: no target/dev-classes or target/dev-lib (./mvnw -q -DskipTests package makes them)"; exit 1; }
  cp -r target/dev-classes "$WORK/dev/classes" && cp -r target/dev-lib "$WORK/dev/lib"
  if [[ $SERVER_LAUNCH == prepared ]]; then
    local more="$WORK/dev/classes:$WORK/dev/lib/*"
    if has_own_issuer "$WORK/samverkan.jar"; then more=""; fi
    tools/prepare-start "$WORK/samverkan.jar" "$WORK/app" "$more"
  fi
}

# Whether the jar carries the development issuer itself (built before it moved out of the jar:
# an older commit's, bench/run --jar). Entry names are stored uncompressed: grep finds them.
has_own_issuer() {
  LC_ALL=C grep -qa 'BOOT-INF/lib/spring-security-oauth2-authorization-server-' "$1"
}

# Starts $WORK/samverkan.jar (server_install) and waits until readiness answers 200; sets SERVER_PID and
# SERVER_START_SECONDS (launch to first 200, polled every 0.1 s). Exits if it never gets ready.
server_start() {
  # shellcheck disable=SC2206 # the JVM options are words
  local started db_env=() db_args=() launch=(java $SERVER_JAVA_OPTS -jar "$WORK/samverkan.jar")
  # A jar that carries the development issuer runs as it is; a newer one through Spring Boot's
  # PropertiesLauncher, which adds loader.path (the issuer's classes and Spring Authorization
  # Server, server_install) to the jar's classpath; a prepared one by its start script.
  if [[ $SERVER_LAUNCH == prepared ]]; then
    launch=(env JAVA_OPTS="$SERVER_JAVA_OPTS" "$WORK/app/start.sh")
  elif ! has_own_issuer "$WORK/samverkan.jar"; then
    launch=(java $SERVER_JAVA_OPTS -Dloader.path="$WORK/dev/classes,$WORK/dev/lib" -cp "$WORK/samverkan.jar"
      org.springframework.boot.loader.launch.PropertiesLauncher)
  fi
  # Else readiness could be answered by someone else's server.
  port_free "$PORT"
  if [[ $SERVER_DB == h2 ]]; then
    db_args=(--samverkan.storage.h2-file="$WORK/h2/samverkan")
  else
    db_env=(SPRING_PROFILES_ACTIVE=postgres
      SAMVERKAN_DB_URL="jdbc:postgresql://127.0.0.1:$PG_PORT/samverkan" SAMVERKAN_DB_USER=postgres SAMVERKAN_DB_PASSWORD=)
  fi
  started=$(date +%s%N)
  local log=${SERVER_LOG:-$WORK/server.log}
  env "${db_env[@]}" "${launch[@]}" --server.port="$PORT" \
    --samverkan.security.dev-issuer.issuer="${SERVER_ISSUER:-http://localhost:$PORT/dev-issuer}" \
    "${db_args[@]}" "${SERVER_ARGS[@]}" >>"$log" 2>&1 &
  SERVER_PID=$!
  await_ready "$started" "http://localhost:$PORT/actuator/health/readiness" "$log"
}

# Waits until the URL answers 200 (polled every 0.1 s) and sets SERVER_START_SECONDS from the launch
# time (date +%s%N) given; exits if $SERVER_PID dies or SERVER_START_TIMEOUT passes first.
await_ready() {
  local started=$1 url=$2 log=$3
  local deadline=$((started + SERVER_START_TIMEOUT * 1000000000))
  while (($(date +%s%N) < deadline)); do
    if curl -sf -o /dev/null --max-time 2 "$url"; then
      SERVER_START_SECONDS=$(awk -v ns=$(($(date +%s%N) - started)) 'BEGIN {printf "%.1f", ns / 1e9}')
      return 0
    fi
    kill -0 "$SERVER_PID" 2>/dev/null || { echo "$ME: the server exited while starting; see $log"; exit 1; }
    sleep 0.1
  done
  echo "$ME: the server did not become ready within $SERVER_START_TIMEOUT s; see $log"; exit 1
}

# A peer (bench/run --peer): another FHIR server, any executable war or jar, started as
#   java $SERVER_JAVA_OPTS -jar $1 "${PEER_ARGS[@]}"   (its log in $WORK/peer.log)
# and ready when $2 (its CapabilityStatement, which a FHIR server answers once it serves) answers 200;
# sets SERVER_PID and SERVER_START_SECONDS like server_start, so server_stop stops it.
peer_start() {
  local started
  port_free "$PORT"
  started=$(date +%s%N)
  # shellcheck disable=SC2086 # the JVM options are words
  java $SERVER_JAVA_OPTS -jar "$1" "${PEER_ARGS[@]}" >>"$WORK/peer.log" 2>&1 &
  SERVER_PID=$!
  await_ready "$started" "$2" "$WORK/peer.log"
}

# Stops the server gracefully (SIGTERM; SIGKILL after 60 s) and waits for it to go.
server_stop() {
  [[ -n "$SERVER_PID" ]] || return 0
  kill "$SERVER_PID" 2>/dev/null || true
  for _ in $(seq 1 600); do
    kill -0 "$SERVER_PID" 2>/dev/null || { SERVER_PID=""; return 0; }
    sleep 0.1
  done
  kill -9 "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
}

# The server's resident memory in MiB.
rss_mib() { awk '/VmRSS/ {printf "%d", $2/1024}' "/proc/$SERVER_PID/status"; }
