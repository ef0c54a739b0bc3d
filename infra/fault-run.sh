#!/usr/bin/env bash
# An operator's bad day, under load, against the servers of infra/up.sh: two instances of the fabric
# decide a steady open-loop load while this script injects six faults one after the other, then
# checks that no decision was lost, duplicated or wrong, that every decision reached PostgreSQL and
# the evidence log, and that the audit of the whole run passes. No fault needs a hand: every
# instance, sink task and server comes back by itself (servers restarted by infra/up.sh, as a
# supervisor would).
#
#   bash infra/fault-run.sh [RATE=200]
#
# Timeline (seconds after the load starts; the load runs 480 s, then drains):
#    30  SIGKILL instance a; restarted at 50            (one of two instances killed)
#    90  SIGKILL instance b; restarted at 110
#   150  Redis SIGKILLed; restarted at 180              (30 s without the hot tier)
#   210  PostgreSQL stopped and S3Proxy frozen (SIGSTOP); both back at 270
#   300  the broker SIGKILLed; restarted at 320
#   360  a third instance started with a wrong postgres.password; stopped at 400
#
# Only processes this script started (the instances, the load) or infra/up.sh started (the
# servers, by their pid files) are ever signalled. Output: infra/.run/fault-run/ (instance logs,
# the load report, the verdict in verdict.txt). Exit 0 when every check passed.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
# shellcheck source=infra/lib.sh
. "$here/lib.sh"
load_ports

RATE="${1:-200}"
DURATION_S=480
out="$RUN/fault-run"
cfg="$RUN/external.properties"
fabric="$root/fabric"
declare -A pids=()

say() { printf '[fault-run %s +%3ss] %s\n' "$(date +%H:%M:%S)" "$(( $(date +%s) - ${t0:-$(date +%s)} ))" "$*" | tee -a "$out/timeline.txt"; }

cleanup() {
  for name in "${!pids[@]}"; do
    local pid="${pids[$name]}"
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
    fi
  done
  local s3
  if s3=$(s3proxy_pid); then kill -CONT "$s3" 2>/dev/null || true; fi
}
trap cleanup EXIT

bash "$here/up.sh"
rm -rf "$out"
mkdir -p "$out"
t0=$(date +%s)
"$fabric" topics apply --config "$cfg" > "$out/topics.txt"
"$fabric" keys generate --key-id fault-run-issuer --out "$out/issuer.key" --trust-in "$out/trusted-issuers.keys" > /dev/null

# instance NAME PORT [extra --set ...]: starts `fabric run` in the background, its own work dir and port
instance() {
  local name="$1" port="$2"
  shift 2
  FABRIC_JAVA_OPTS="-Xmx768m -XX:+UseParallelGC" "$fabric" run --config "$cfg" \
    --set "fabric.work.dir=$out/$name" --set "kernel.trusted.keys.file=$out/trusted-issuers.keys" \
    --set http.host=127.0.0.1 --set "http.port=$port" "$@" >> "$out/$name.log" 2>&1 &
  pids[$name]=$!
  say "instance $name started (pid ${pids[$name]}, http :$port)"
}

ready() { # ready PORT TIMEOUT_S
  local i
  for ((i = 0; i < $2; i++)); do
    if [[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$1/health/ready" || true)" == 200 ]]; then
      return 0
    fi
    sleep 1
  done
  return 1
}

sigkill() { # sigkill NAME
  kill -KILL "${pids[$1]}"
  wait "${pids[$1]}" 2>/dev/null || true
  say "instance $1 SIGKILLed"
}

at() { # at SECOND: sleep until that second after the load started
  local now=$(( $(date +%s) - load_t0 ))
  if (( $1 > now )); then sleep $(( $1 - now )); fi
}

rows() {
  as_pg "$PG_BIN/psql" -h "$(pg_socket_dir)" -p "$PG_PORT" -d fabric -Atc "$1" 2>/dev/null || echo "?"
}

instance a 18181
instance b 18182
ready 18181 180 || { say "instance a not ready in 180 s"; exit 1; }
ready 18182 180 || { say "instance b not ready in 180 s"; exit 1; }
say "both instances ready"

from="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
"$fabric" load custom --config "$cfg" --issuer-key "$out/issuer.key" --rate "$RATE" --duration "PT${DURATION_S}S" \
  --warmup PT0S --idle PT0S --drain-timeout PT300S --no-baselines --no-state --no-broker-writes \
  --report-dir "$out/reports" > "$out/load.log" 2>&1 &
pids[load]=$!
load_t0=$(date +%s)
say "load started: $RATE/s for $DURATION_S s (pid ${pids[load]})"

at 30;  sigkill a
at 50;  instance a 18181
at 90;  sigkill b
at 110; instance b 18182

at 150
redis=$(redis_pid) && kill -KILL "$redis" && say "redis SIGKILLed (pid $redis)"
at 180; bash "$here/up.sh" > "$out/up-redis.txt" 2>&1 && say "redis restarted by infra/up.sh"

at 210
s3=$(s3proxy_pid) && kill -STOP "$s3" && say "S3Proxy frozen (SIGSTOP pid $s3)"
as_pg "$PG_BIN/pg_ctl" stop -D "$PG_DATA" -m fast > /dev/null && say "postgresql stopped (pg_ctl stop -m fast)"
at 270
kill -CONT "$s3" && say "S3Proxy resumed"
bash "$here/up.sh" > "$out/up-pg.txt" 2>&1 && say "postgresql restarted by infra/up.sh"

at 300
broker=$(kafka_pid) && kill -KILL "$broker" && say "broker SIGKILLed (pid $broker)"
at 320; bash "$here/up.sh" > "$out/up-kafka.txt" 2>&1 && say "broker restarted by infra/up.sh"

at 360
rows_before=$(rows "select count(*) from decision_log")
instance c 18183 --set postgres.password=not-the-password
at 400
if kill -0 "${pids[c]}" 2>/dev/null; then
  say "instance c still running; health: $(curl -s http://127.0.0.1:18183/health/ready || true)"
  kill -TERM "${pids[c]}"; wait "${pids[c]}" 2>/dev/null || true
  say "instance c stopped"
else
  wait "${pids[c]}" 2>/dev/null && code=0 || code=$?
  say "instance c had exited by itself (exit $code): $(grep -m1 -iE 'refus|password|error' "$out/c.log" | cut -c1-200)"
fi
rows_after=$(rows "select count(*) from decision_log")
say "decision_log rows while c ran: $rows_before -> $rows_after"

wait "${pids[load]}" && load_code=0 || load_code=$?
say "load finished (exit $load_code)"
to="$(date -u -d '+5 seconds' +%Y-%m-%dT%H:%M:%SZ)"

# every decision in PostgreSQL and in the log: wait for the sinks to catch up
json="$(ls -t "$out"/reports/*.json | head -1)"
read -r sent decided lost duplicates wrong < <(python3 -c '
import json, sys
runs = json.load(open(sys.argv[1]))["runs"]
print(*(sum(r[k] for r in runs) for k in ("sent", "decided", "lost", "duplicates", "mismatches")))' "$json")
say "load: sent $sent, decided $decided, lost $lost, duplicated $duplicates, wrong $wrong"
for _ in $(seq 1 120); do
  logged=$(rows "select count(*) from decision_log where decided_at >= '$from'")
  evidenced=$(rows "select count(*) from decision_evidence e join decision_log d using (decided_on, decision_id) where d.decided_at >= '$from'")
  [[ "$logged" == "$decided" && "$evidenced" == "$decided" ]] && break
  sleep 5
done
say "decided $decided, rows $logged, leaf rows $evidenced"

"$fabric" audit verify --config "$cfg" --from "$from" --to "$to" > "$out/audit.txt" 2>&1 && audit_code=0 || audit_code=$?
say "audit verify: exit $audit_code ($(grep -m1 RESULT "$out/audit.txt"))"

{
  echo "fault run at $RATE/s for $DURATION_S s, decisions from $from to $to"
  echo "sent $sent, decided $decided, lost $lost, duplicated $duplicates, wrong $wrong"
  echo "decision_log rows $logged, evidence leaf rows $evidenced"
  echo "audit verify exit $audit_code: $(grep -m1 RESULT "$out/audit.txt")"
  echo "load: $(grep -m1 'RESULT' "$out/load.log") (seed SLOs are not expected to hold while faults are injected)"
  echo "ERROR lines in the instances' logs: $(cat "$out"/[abc].log | grep -c ' ERROR ' || true)"
} | tee "$out/verdict.txt"
[[ $lost == 0 && $duplicates == 0 && $wrong == 0 && $sent == "$decided" && $audit_code == 0 \
  && "$logged" == "$decided" && "$evidenced" == "$decided" ]]
