#!/usr/bin/env bash
# Brings up the external-mode set as separate processes on loopback:
#   PostgreSQL 15 (Debian), Redis 7 (Debian), a single-node KRaft broker JVM, S3Proxy.
# Idempotent: a service whose pid file names a live process of ours is left alone.
# State (data, pid files, logs) lives under infra/.run/; infra/down.sh stops it all.
# Ports: FABRIC_PG_PORT FABRIC_REDIS_PORT FABRIC_KAFKA_PORT FABRIC_KAFKA_CONTROLLER_PORT FABRIC_S3_PORT.
set -euo pipefail
# shellcheck source=infra/lib.sh source-path=SCRIPTDIR
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"
READY_TIMEOUT_S="${FABRIC_READY_TIMEOUT_S:-60}"
declare -A TIMING=()
# PIDs of the processes this call started: the only ones it may ever signal. A server that was already
# running (ours from an earlier call, or anyone's) is reported when it does not answer, never killed.
declare -A SPAWNED=()

now_ms() { date +%s%3N; }
elapsed_s() { awk -v a="$1" -v b="$(now_ms)" 'BEGIN{printf "%.1f", (b-a)/1000}'; }

check_ports() {
  local -A seen=()
  local p
  for p in "$PG_PORT" "$REDIS_PORT" "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT" "$S3_PORT"; do
    if ! [[ "$p" =~ ^[0-9]+$ ]] || (( p < 1 || p > 65535 )); then die "not a port: '$p'"; fi
    [[ -z "${seen[$p]:-}" ]] || die "port $p is configured for two services"
    seen[$p]=1
  done
}

# A port we are about to bind must not already be taken by someone else's process.
require_free() {
  local port=$1 what=$2
  if port_open "$port"; then
    die "$what: 127.0.0.1:$port is already in use by a process up.sh did not start; free it or set another port (see the header of infra/up.sh)"
  fi
}

# Starts "$@" detached (own session, no stdin, output to $log) and writes its pid to $pidfile.
# The pid is written by the process itself just before exec, so it is the JVM's own pid.
spawn() {
  local pidfile=$1 log=$2; shift 2
  rm -f "$pidfile"
  printf '\n===== %s: %s\n' "$(date '+%F %T')" "$*" >> "$log"
  # shellcheck disable=SC2016  # $$ and $1 belong to the inner shell
  nohup setsid bash -c 'echo $$ > "$1"; shift; exec "$@"' spawn "$pidfile" "$@" >> "$log" 2>&1 < /dev/null 9>&- &
  local child=$! _
  SPAWNED[$child]=1
  for _ in $(seq 1 100); do
    if [[ -s "$pidfile" ]]; then
      SPAWNED[$(cat "$pidfile")]=1
      return 0
    fi
    sleep 0.05
  done
  die "could not start: $*"
}

# Waits until $check succeeds; fails early if $pid dies. On timeout: stops $pid only if this call
# started it; a process that was already running is reported and left alone.
wait_ready() {
  local name=$1 pid=$2 log=$3 check=$4 deadline=$(( SECONDS + READY_TIMEOUT_S ))
  until $check; do
    if ! pid_alive "$pid"; then
      echo "----- last lines of $log" >&2; tail -n 40 "$log" >&2 || true
      die "$name (pid $pid) exited before it was ready"
    fi
    if (( SECONDS >= deadline )); then
      echo "----- last lines of $log" >&2; tail -n 40 "$log" >&2 || true
      if [[ -n "${SPAWNED[$pid]:-}" ]]; then
        kill "$pid" 2>/dev/null || true
        die "$name (pid $pid, started by this call) not ready after ${READY_TIMEOUT_S}s; stopped it"
      fi
      die "$name (pid $pid) was already running before this call and does not answer after ${READY_TIMEOUT_S}s (paused? overloaded?); left alone: check it, or stop it with infra/down.sh"
    fi
    sleep 0.2
  done
}

# Before anything starts: every port of a service we are about to start must be free,
# so that a conflict fails fast instead of leaving half the set running.
preflight_ports() {
  pg_pid >/dev/null 2>&1 || require_free "$PG_PORT" postgres
  redis_pid >/dev/null 2>&1 || require_free "$REDIS_PORT" redis
  if ! kafka_pid >/dev/null 2>&1; then
    require_free "$KAFKA_PORT" kafka
    require_free "$KAFKA_CONTROLLER_PORT" "kafka controller"
  fi
  s3proxy_pid >/dev/null 2>&1 || require_free "$S3_PORT" s3proxy
}

ensure_packages() {
  local pkgs=()
  [[ -x "$PG_BIN/initdb" ]] || pkgs+=(postgresql-15)
  command -v redis-server >/dev/null 2>&1 || pkgs+=(redis-server)
  (( ${#pkgs[@]} )) || return 0
  [[ $EUID -eq 0 ]] || die "missing ${pkgs[*]} and not root: install them with apt-get first"
  local t0; t0=$(now_ms)
  log "installing ${pkgs[*]} from Debian"
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=300 update -qq
  apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
  TIMING[install]="$(elapsed_s "$t0") s (${pkgs[*]})"
  log "installed ${pkgs[*]} in ${TIMING[install]}"
}

# The broker and S3Proxy run from the application's runtime libs (kafka_2.13, s3proxy, log4j2).
ensure_app_lib() {
  if ! compgen -G "$APP_LIB/kafka_2.13-*.jar" >/dev/null || ! compgen -G "$APP_LIB/s3proxy-*.jar" >/dev/null; then
    local t0; t0=$(now_ms)
    log "$APP_LIB is missing or incomplete: building the reactor (mvn -q -B -DskipTests install)"
    (cd "$REPO" && mvn -q -B -DskipTests install)
    compgen -G "$APP_LIB/kafka_2.13-*.jar" >/dev/null || die "build finished but $APP_LIB has no kafka_2.13 jar"
    TIMING[build]="$(elapsed_s "$t0") s"
  fi
}

# The JVMs run from a hard-linked snapshot of the lib dir, so that `mvn clean` while they run
# cannot pull jars from under them. Refreshed only when neither JVM is running.
snapshot_lib() {
  if kafka_pid >/dev/null || s3proxy_pid >/dev/null; then
    [[ -d "$RUN_LIB" ]] && return 0
  fi
  rm -rf "$RUN_LIB"
  mkdir -p "$RUN_LIB"
  cp -al "$APP_LIB/." "$RUN_LIB/" 2>/dev/null || cp -a "$APP_LIB/." "$RUN_LIB/"
}

# ---------------------------------------------------------------- PostgreSQL
PG_SOCK=''
psql_admin() {
  as_pg "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$PG_SOCK" -p "$PG_PORT" -d postgres "$@"
}

# As root the server runs as user postgres, who must be able to reach its directory.
place_pg_dir() {
  if [[ $EUID -ne 0 ]]; then
    mkdir -p "$PG_DIR"
    return 0
  fi
  chmod 755 "$RUN"
  if [[ ! -L "$PG_LINK" ]]; then
    mkdir -p "$PG_LINK"
    chown postgres: "$PG_LINK"
    if ! as_pg test -w "$PG_LINK"; then
      rmdir "$PG_LINK" 2>/dev/null || die "user postgres cannot reach $PG_LINK, and it is not empty"
      local home alt
      home=$(getent passwd postgres | cut -d: -f6)
      alt="$home/fabric-$(printf '%s' "$RUN" | cksum | cut -d' ' -f1)"
      log "user postgres cannot reach $RUN: keeping PostgreSQL's files in $alt (linked from $PG_LINK)"
      mkdir -p "$alt"
      chown postgres: "$alt"
      ln -s "$alt" "$PG_LINK"
    fi
  fi
  PG_DIR="$(readlink -f "$PG_LINK")"
  mkdir -p "$PG_DIR"
  chown postgres: "$PG_DIR"
  as_pg test -w "$PG_DIR" || die "user postgres cannot write $PG_DIR"
  PG_DATA="$PG_DIR/data"
  PG_LOG="$PG_DIR/postgres.log"
}

start_postgres() {
  PG_SOCK=$(pg_socket_dir)
  local pid t0
  if pid=$(pg_pid); then
    pid_listens "$pid" "$PG_PORT" || die "postgres (pid $pid) runs but not on port $PG_PORT; run infra/down.sh first to change ports"
    log "postgres already running (pid $pid)"
  else
    require_free "$PG_PORT" postgres
    t0=$(now_ms)
    place_pg_dir
    PG_SOCK=$(pg_socket_dir)
    mkdir -p "$PG_SOCK"
    chmod 700 "$PG_SOCK"
    [[ $EUID -eq 0 ]] && chown postgres: "$PG_DIR" "$PG_SOCK"
    if [[ ! -f "$PG_DATA/PG_VERSION" ]]; then
      as_pg "$PG_BIN/initdb" -D "$PG_DATA" -E UTF8 --locale=C \
        --auth-local=peer --auth-host=scram-sha-256 --no-instructions > "$PG_DIR/initdb.log" \
        || { cat "$PG_DIR/initdb.log" >&2; die "initdb failed"; }
      echo "include_if_exists = 'fabric.conf'" | as_pg tee -a "$PG_DATA/postgresql.conf" >/dev/null
      as_pg tee "$PG_DATA/pg_hba.conf" >/dev/null <<HBA
# written by infra/up.sh: the OS superuser over the private socket, everyone else by password
local all all                peer
host  all all 127.0.0.1/32   scram-sha-256
HBA
    fi
    as_pg tee "$PG_DATA/fabric.conf" >/dev/null <<CONF
# written by infra/up.sh on every start
listen_addresses = '$HOST'
port = $PG_PORT
unix_socket_directories = '$PG_SOCK'
CONF
    as_pg "$PG_BIN/pg_ctl" start -D "$PG_DATA" -l "$PG_LOG" -w -t "$READY_TIMEOUT_S" -s 9>&- \
      || { tail -n 40 "$PG_LOG" >&2; die "postgres did not start"; }
    TIMING[postgres]="$(elapsed_s "$t0") s"
    pid=$(pg_pid) || die "postgres started but pg_ctl status disagrees"
    log "postgres started (pid $pid) in ${TIMING[postgres]}"
  fi
  # Role and database: created once, password reset every time (cheap, keeps it known).
  psql_admin -c "DO \$\$ BEGIN
      IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'fabric') THEN CREATE ROLE fabric LOGIN; END IF;
    END \$\$;" -c "ALTER ROLE fabric WITH LOGIN PASSWORD 'fabric'"
  if [[ "$(psql_admin -tAc "SELECT 1 FROM pg_database WHERE datname = 'fabric'")" != 1 ]]; then
    psql_admin -c "CREATE DATABASE fabric OWNER fabric"
  fi
}

# ---------------------------------------------------------------- Redis
redis_ready() {
  local reply
  reply=$( (exec 3<>"/dev/tcp/$HOST/$REDIS_PORT" && printf 'PING\r\n' >&3 && IFS= read -r -t 2 line <&3 && printf '%s' "$line") 2>/dev/null) || return 1
  [[ "$reply" == +PONG* ]]
}

start_redis() {
  local pid t0
  if pid=$(redis_pid); then
    pid_listens "$pid" "$REDIS_PORT" || die "redis (pid $pid) runs but not on port $REDIS_PORT; run infra/down.sh first to change ports"
    log "redis already running (pid $pid)"
    return 0
  fi
  require_free "$REDIS_PORT" redis
  t0=$(now_ms)
  mkdir -p "$REDIS_DIR"
  rm -f "$REDIS_PID"
  redis-server --bind "$HOST" --port "$REDIS_PORT" --save '' --appendonly no \
    --daemonize yes --pidfile "$REDIS_PID" --logfile "$REDIS_DIR/redis.log" --dir "$REDIS_DIR" 9>&-
  local deadline=$(( SECONDS + READY_TIMEOUT_S ))
  until [[ -s "$REDIS_PID" ]] && redis_ready && pid_listens "$(cat "$REDIS_PID")" "$REDIS_PORT"; do
    if [[ -s "$REDIS_PID" ]] && ! pid_alive "$(cat "$REDIS_PID")"; then
      tail -n 40 "$REDIS_DIR/redis.log" >&2; die "redis exited before it was ready"
    fi
    (( SECONDS < deadline )) || { tail -n 40 "$REDIS_DIR/redis.log" >&2; die "redis not ready after ${READY_TIMEOUT_S}s"; }
    sleep 0.05
  done
  pid=$(redis_pid) || die "redis answers but its pid file does not name it"
  TIMING[redis]="$(elapsed_s "$t0") s"
  log "redis started (pid $pid) in ${TIMING[redis]}"
}

# ---------------------------------------------------------------- Kafka
KAFKA_T0=''
KAFKA_NEW_PID=''
KAFKA_FORMATTED=''
# The client port opens only once the broker is unfenced, so an accepting port means ready.
kafka_ready() { port_open "$KAFKA_PORT" && pid_listens "$KAFKA_NEW_PID" "$KAFKA_PORT"; }

# Short-lived tool JVMs: C1 only and the serial collector start fastest.
kafka_tool() {
  "$JAVA" -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xshare:auto \
    -Dlog4j2.configurationFile="$INFRA/kafka/log4j2-tools.properties" -cp "$RUN_LIB/*" "$@"
}

launch_kafka() {
  local pid
  if pid=$(kafka_pid); then
    log "kafka already running (pid $pid)"
    KAFKA_NEW_PID=$pid   # still wait for its port, in case it is starting up
    return 0
  fi
  require_free "$KAFKA_PORT" kafka
  require_free "$KAFKA_CONTROLLER_PORT" "kafka controller"
  KAFKA_T0=$(now_ms)
  mkdir -p "$KAFKA_DIR/data"
  sed -e "s|@HOST@|$HOST|g" -e "s|@PORT@|$KAFKA_PORT|g" -e "s|@CONTROLLER_PORT@|$KAFKA_CONTROLLER_PORT|g" \
      -e "s|@LOG_DIRS@|$KAFKA_DIR/data|g" "$INFRA/kafka/server.properties" > "$KAFKA_CONF"
  if [[ ! -f "$KAFKA_DIR/data/meta.properties" ]]; then
    local cluster_id
    cluster_id=$(cat "$KAFKA_DIR/cluster.id" 2>/dev/null || true)
    if ! [[ "$cluster_id" =~ ^[A-Za-z0-9_-]{22}$ ]]; then
      cluster_id=$(kafka_tool kafka.tools.StorageTool random-uuid 2>> "$KAFKA_DIR/format.log" | tail -n1)
      [[ "$cluster_id" =~ ^[A-Za-z0-9_-]{22}$ ]] || die "StorageTool random-uuid gave '$cluster_id', not a cluster id"
      echo "$cluster_id" > "$KAFKA_DIR/cluster.id"
    fi
    kafka_tool kafka.tools.StorageTool format --standalone -t "$cluster_id" -c "$KAFKA_CONF" \
      >> "$KAFKA_DIR/format.log" 2>&1 || { cat "$KAFKA_DIR/format.log" >&2; die "kafka storage format failed"; }
    echo "$KAFKA_CONTROLLER_PORT" > "$KAFKA_DIR/formatted-controller-port"
    KAFKA_FORMATTED=" (storage formatted in $(elapsed_s "$KAFKA_T0") s)"
  elif [[ "$(cat "$KAFKA_DIR/formatted-controller-port" 2>/dev/null)" != "$KAFKA_CONTROLLER_PORT" ]]; then
    # The standalone voter set (with its endpoint) is written into the metadata log at format time.
    die "kafka storage was formatted for controller port $(cat "$KAFKA_DIR/formatted-controller-port" 2>/dev/null || echo '?'); run infra/down.sh --purge to change it"
  fi
  spawn "$KAFKA_PID" "$KAFKA_LOG" "$JAVA" -Xms512m -Xmx512m -XX:+UseG1GC -XX:+ExitOnOutOfMemoryError \
    -Djava.awt.headless=true -Dlog4j2.configurationFile="$INFRA/kafka/log4j2.properties" \
    -Dkafka.logs.dir="$KAFKA_DIR" -cp "$RUN_LIB/*" kafka.Kafka "$KAFKA_CONF"
  KAFKA_NEW_PID=$(cat "$KAFKA_PID")
}

wait_kafka() {
  wait_ready kafka "$KAFKA_NEW_PID" "$KAFKA_LOG" kafka_ready
  if [[ -n "$KAFKA_T0" ]]; then
    TIMING[kafka]="$(elapsed_s "$KAFKA_T0") s"
    log "kafka started (pid $KAFKA_NEW_PID) in ${TIMING[kafka]}$KAFKA_FORMATTED"
  fi
}

# ---------------------------------------------------------------- S3Proxy
S3_T0=''
S3_NEW_PID=''
s3_ready() {
  local line
  line=$( (exec 3<>"/dev/tcp/$HOST/$S3_PORT" && printf 'GET / HTTP/1.0\r\nHost: %s:%s\r\n\r\n' "$HOST" "$S3_PORT" >&3 \
           && IFS= read -r -t 5 l <&3 && printf '%s' "$l") 2>/dev/null) || return 1
  [[ "$line" == HTTP/* ]] && pid_listens "$S3_NEW_PID" "$S3_PORT"
}

launch_s3proxy() {
  local pid
  if pid=$(s3proxy_pid); then
    log "s3proxy already running (pid $pid)"
    S3_NEW_PID=$pid
    return 0
  fi
  require_free "$S3_PORT" s3proxy
  S3_T0=$(now_ms)
  mkdir -p "$S3_DIR/$S3_BUCKET" "$S3_PROC_DIR"   # a filesystem bucket is a directory
  spawn "$S3_PID" "$S3_LOG" "$JAVA" -Xmx256m -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$INFRA/s3proxy/log4j2.properties" \
    -Ds3proxy.endpoint="http://$HOST:$S3_PORT" -Djclouds.filesystem.basedir="$S3_DIR" \
    -cp "$RUN_LIB/*" org.gaul.s3proxy.Main --properties "$INFRA/s3proxy/s3proxy.conf"
  S3_NEW_PID=$(cat "$S3_PID")
}

wait_s3proxy() {
  wait_ready s3proxy "$S3_NEW_PID" "$S3_LOG" s3_ready
  if [[ -n "$S3_T0" ]]; then
    TIMING[s3proxy]="$(elapsed_s "$S3_T0") s"
    log "s3proxy started (pid $S3_NEW_PID) in ${TIMING[s3proxy]}"
  fi
}

# One evidence log signing key for every instance that uses these servers (a cluster signs one log with
# one key; an instance with its own key is refused as configuration drift), and the auditors' trusted
# copy of its verifier key. Kept across runs, like the log it signs; down.sh --purge removes both.
# fabric_cli ARGS...: a `fabric` command from the built application jar, its output discarded (false
# when the jar is not built or the command fails)
fabric_cli() {
  [[ -f "$REPO/tools/target/fabric.jar" ]] &&
    "$JAVA" -cp "$REPO/tools/target/fabric.jar:$RUN_LIB/*" io.provability.fabric.tools.cli.FabricCli "$@" >/dev/null
}

ensure_evidence_key() {
  local dir="$RUN/keys"
  mkdir -p "$dir"
  EVIDENCE_KEY="$dir/evidence.key"
  EVIDENCE_RING="$dir/trusted-evidence-signers.keys"
  if [[ ! -s "$EVIDENCE_KEY" ]]; then
    ( umask 077; printf 'evidence-1=%s\n' "$(head -c 32 /dev/urandom | base64 -w0)" > "$EVIDENCE_KEY.tmp" )
    mv "$EVIDENCE_KEY.tmp" "$EVIDENCE_KEY"
    rm -f "$EVIDENCE_RING"
    log "created the evidence log signing key $EVIDENCE_KEY"
  fi
  if [[ ! -s "$EVIDENCE_RING" ]]; then
    if fabric_cli audit trust --key "$EVIDENCE_KEY" --ring "$EVIDENCE_RING"; then
      log "trusted its verifier key in $EVIDENCE_RING"
    else
      log "could not write $EVIDENCE_RING; run: ./fabric audit trust --key $EVIDENCE_KEY --ring $EVIDENCE_RING"
    fi
  fi
}

# The retrieval gateways of a cluster sign access receipts that any instance's kernel must verify
# (a session's plans move with its partition): one receipt signing key for every instance on these
# servers, and the ring that trusts it.
ensure_receipt_key() {
  RECEIPT_KEY="$RUN/keys/receipt.key"
  RECEIPT_RING="$RUN/keys/trusted-receipt-signers.keys"
  if [[ ! -s "$RECEIPT_KEY" || ! -s "$RECEIPT_RING" ]]; then
    rm -f "$RECEIPT_KEY" "$RECEIPT_RING"
    if fabric_cli keys generate --key-id retrieval-gateway-1 --out "$RECEIPT_KEY" --trust-in "$RECEIPT_RING"; then
      log "created the retrieval receipt signing key $RECEIPT_KEY, trusted in $RECEIPT_RING"
    else
      log "could not create $RECEIPT_KEY; run: ./fabric keys generate --key-id retrieval-gateway-1 --out $RECEIPT_KEY --trust-in $RECEIPT_RING"
    fi
  fi
}

write_external_properties() {
  local tmp="$RUN/external.properties.tmp"
  cat > "$tmp" <<PROPS
fabric.mode=external
kafka.bootstrap.servers=$HOST:$KAFKA_PORT
postgres.jdbc.url=jdbc:postgresql://$HOST:$PG_PORT/fabric
postgres.user=fabric
postgres.password=fabric
redis.uri=redis://$HOST:$REDIS_PORT
s3.endpoint=http://$HOST:$S3_PORT
s3.region=us-east-1
s3.access.key=fabric
s3.secret.key=fabric-secret-key
s3.bucket=$S3_BUCKET
evidence.signing.key.file=$EVIDENCE_KEY
audit.evidence.keys.file=$EVIDENCE_RING
retrieval.receipt.signing.key.file=$RECEIPT_KEY
kernel.receipt.keys.file=$RECEIPT_RING
PROPS
  mv "$tmp" "$RUN/external.properties"
  # The same secrets as environment variables: instances that share one Connect group must take their
  # secrets from the environment (the config topic then holds ${env:...} references, the same for all).
  # Use: set -a; . infra/.run/external.env; set +a
  local env_tmp="$RUN/external.env.tmp"
  ( umask 077; cat > "$env_tmp" <<ENV
FABRIC_POSTGRES_PASSWORD=fabric
FABRIC_S3_SECRET_KEY=fabric-secret-key
ENV
  )
  mv "$env_tmp" "$RUN/external.env"
}

main() {
  local t_all; t_all=$(now_ms)
  load_ports
  check_ports
  mkdir -p "$RUN"
  # fd 9 holds the lock; every daemon is started with 9>&- so that it does not keep the lock.
  exec 9> "$RUN/.lock"
  flock -w 600 9 || die "another infra/up.sh or down.sh holds $RUN/.lock"
  save_ports
  rm -f "$RUN/external.properties"   # written again only once everything answers

  preflight_ports
  ensure_packages
  ensure_app_lib
  snapshot_lib

  # The two JVMs take longest: launch them first (S3Proxy boots while the broker's storage is
  # formatted), start the rest while they boot.
  launch_s3proxy
  launch_kafka
  start_postgres
  start_redis
  wait_s3proxy
  wait_kafka

  ensure_evidence_key
  ensure_receipt_key
  write_external_properties
  echo
  print_status
  echo "  timings:   ${TIMING[install]:+install ${TIMING[install]}; }${TIMING[build]:+build ${TIMING[build]}; }postgres ${TIMING[postgres]:-already up}; redis ${TIMING[redis]:-already up}; kafka ${TIMING[kafka]:-already up}; s3proxy ${TIMING[s3proxy]:-already up}; up.sh total $(elapsed_s "$t_all") s"
  echo "  config:    $RUN/external.properties (secrets for a cluster of instances: $RUN/external.env)"
  echo "  logs:      $PG_LOG $REDIS_DIR/redis.log $KAFKA_LOG $S3_LOG"
}

main "$@"
