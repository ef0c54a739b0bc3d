#!/usr/bin/env bash
# Stops what infra/up.sh started, and only that: each process is named by a pid file of ours
# and checked against its command line before it is signalled. Idempotent.
#   --purge   also delete infra/.run (databases, topics, objects, logs)
set -euo pipefail
# shellcheck source=infra/lib.sh source-path=SCRIPTDIR
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

PURGE=0
for arg in "$@"; do
  case "$arg" in
    --purge) PURGE=1 ;;
    -h|--help) sed -n '2,5p' "$0"; exit 0 ;;
    *) die "unknown argument: $arg (try --purge)" ;;
  esac
done

if [[ ! -d "$RUN" ]]; then
  log "nothing to stop ($RUN does not exist)"
  exit 0
fi
exec 9> "$RUN/.lock"
flock -w 600 9 || die "another infra/up.sh or down.sh holds $RUN/.lock"

FAILED=0

# SIGTERM, then wait up to $timeout s for the process to exit; SIGKILL (that pid only) as a last resort.
stop_pid() {
  local name=$1 pid=$2 timeout=$3 t0=$SECONDS
  kill -TERM "$pid" 2>/dev/null || true
  while pid_alive "$pid"; do
    if (( SECONDS - t0 >= timeout )); then
      log "$name (pid $pid) still running after ${timeout}s: SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      sleep 0.5
      pid_alive "$pid" && { log "$name (pid $pid) survived SIGKILL"; FAILED=1; return 1; }
      break
    fi
    sleep 0.1
  done
  log "$name stopped (pid $pid, $(( SECONDS - t0 ))s)"
}

# name pidfile marker timeout
stop_by_pidfile() {
  local name=$1 file=$2 marker=$3 timeout=$4 pid
  if pid=$(owned_pid "$file" "$marker"); then
    stop_pid "$name" "$pid" "$timeout" && rm -f "$file"
  elif [[ -f "$file" ]]; then
    log "$name not running (stale pid file $file removed)"
    rm -f "$file"
  else
    log "$name not running"
  fi
}

stop_postgres() {
  local pid
  if pid=$(pg_pid); then
    local t0=$SECONDS
    if as_pg "$PG_BIN/pg_ctl" stop -D "$PG_DATA" -m fast -w -t 60 -s; then
      log "postgres stopped (pid $pid, $(( SECONDS - t0 ))s)"
    else
      log "postgres (pid $pid) did not stop in 60s with -m fast; trying -m immediate"
      as_pg "$PG_BIN/pg_ctl" stop -D "$PG_DATA" -m immediate -w -t 30 -s || { FAILED=1; return 1; }
    fi
  else
    log "postgres not running"
  fi
}

# Reverse order of dependence: nothing of ours talks to PostgreSQL or Redis on its way down.
stop_by_pidfile s3proxy "$S3_PID" org.gaul.s3proxy.Main 30 || true
stop_by_pidfile kafka "$KAFKA_PID" "$KAFKA_CONF" 90 || true
stop_by_pidfile redis "$REDIS_PID" redis-server 30 || true
stop_postgres || true

rm -f "$RUN/external.properties" "$RUN/external.env"   # they describe services that no longer run

if (( FAILED )); then
  die "some services did not stop; $RUN left in place"
fi

if (( PURGE )); then
  sock=$(pg_socket_dir)
  [[ "$sock" == /tmp/fabric-pg-* ]] && rm -rf "$sock"
  [[ -L "$PG_LINK" && "$PG_DIR" == */fabric-* ]] && rm -rf "$PG_DIR"   # PostgreSQL's files kept outside
  exec 9>&-
  rm -rf "$RUN"
  log "purged $RUN"
fi
