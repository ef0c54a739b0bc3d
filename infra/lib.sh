# shellcheck shell=bash disable=SC2034  # the paths below are used by the scripts that source this
# Shared by up.sh, down.sh and status.sh: paths, ports, pid-file and port helpers.
# Every service runs on loopback only and is identified by a pid file under $RUN;
# nothing here ever signals a process that a pid file of ours does not name.

INFRA="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$INFRA/.." && pwd)"
RUN="${FABRIC_RUN_DIR:-$INFRA/.run}"
HOST=127.0.0.1

PG_BIN="${FABRIC_PG_BIN:-/usr/lib/postgresql/15/bin}"
APP_LIB="$REPO/tools/target/lib"

log() { printf '[infra %s] %s\n' "$(date +%H:%M:%S)" "$*"; }
die() { printf '[infra %s] ERROR: %s\n' "$(date +%H:%M:%S)" "$*" >&2; exit 1; }

# Ports: the environment wins; otherwise what the last up.sh recorded; otherwise the defaults.
load_ports() {
  local PG_PORT_REC='' REDIS_PORT_REC='' KAFKA_PORT_REC='' KAFKA_CONTROLLER_PORT_REC='' S3_PORT_REC=''
  if [[ -f "$RUN/ports.env" ]]; then
    # shellcheck disable=SC1091
    source "$RUN/ports.env"
  fi
  PG_PORT="${FABRIC_PG_PORT:-${PG_PORT_REC:-15432}}"
  REDIS_PORT="${FABRIC_REDIS_PORT:-${REDIS_PORT_REC:-16379}}"
  KAFKA_PORT="${FABRIC_KAFKA_PORT:-${KAFKA_PORT_REC:-19092}}"
  KAFKA_CONTROLLER_PORT="${FABRIC_KAFKA_CONTROLLER_PORT:-${KAFKA_CONTROLLER_PORT_REC:-19093}}"
  S3_PORT="${FABRIC_S3_PORT:-${S3_PORT_REC:-18080}}"
  S3_BUCKET="${FABRIC_S3_BUCKET:-fabric-evidence}"
}

save_ports() {
  cat > "$RUN/ports.env" <<PORTS
PG_PORT_REC=$PG_PORT
REDIS_PORT_REC=$REDIS_PORT
KAFKA_PORT_REC=$KAFKA_PORT
KAFKA_CONTROLLER_PORT_REC=$KAFKA_CONTROLLER_PORT
S3_PORT_REC=$S3_PORT
PORTS
}

# True when something accepts TCP connections on 127.0.0.1:$1 (pure bash: no nc/ss needed).
port_open() {
  (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null
}

# Alive and not a zombie: an exited daemon stays in /proc until its new parent reaps it.
# True when process $1 itself holds a listening TCP socket on port $2 (via /proc: socket inodes
# of LISTEN entries in /proc/net/tcp{,6} against the process's open fds). This tells our server
# apart from anything else that may have grabbed the same port.
pid_listens() {
  local pid=$1 port=$2 inodes links
  inodes=$(awk -v p="$(printf ':%04X' "$port")" \
    '$4 == "0A" && substr($2, length($2) - 4) == p { printf "%s%s", sep, $10; sep = "|" }' \
    /proc/net/tcp /proc/net/tcp6 2>/dev/null)
  [[ -n "$inodes" ]] || return 1
  links=$(find "/proc/$pid/fd" -mindepth 1 -maxdepth 1 -printf '%l\n' 2>/dev/null) || true
  grep -qE "^socket:\[($inodes)\]$" <<<"$links"
}

pid_alive() {
  local stat
  [[ -n "${1:-}" ]] && stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  [[ "${stat:0:1}" != Z && "${stat:0:1}" != X ]]
}

# The pid in a pid file, if the process is alive and its command line contains $2
# (guards against a stale pid file whose pid the kernel gave to something else).
owned_pid() {
  local file=$1 marker=$2 pid cmdline
  [[ -f "$file" ]] || return 1
  pid=$(head -n1 "$file" | tr -dc '0-9')
  pid_alive "$pid" || return 1
  cmdline=$(tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null) || return 1
  [[ "$cmdline" == *"$marker"* ]] || return 1
  printf '%s\n' "$pid"
}

# Wall-clock start time of a process, from /proc (no procps needed).
proc_start_time() {
  local pid=$1 ticks btime hz stat
  stat=$(cat "/proc/$pid/stat" 2>/dev/null) || { echo '?'; return; }
  stat=${stat##*) }                               # drop "pid (comm) " (comm may hold spaces)
  ticks=$(awk '{print $20}' <<<"$stat")           # field 22 overall = 20 after pid and comm
  btime=$(awk '/^btime/{print $2}' /proc/stat)
  hz=$(getconf CLK_TCK)
  date -d "@$(( btime + ticks / hz ))" '+%Y-%m-%d %H:%M:%S'
}

proc_rss_mb() {
  awk '/^VmRSS/{printf "%d", $2/1024}' "/proc/$1/status" 2>/dev/null || echo '?'
}

# Runs a command as the PostgreSQL OS user when we are root (PostgreSQL refuses to run as root).
# From /, because pg_ctl and initdb fail in a working directory that user cannot read.
as_pg() {
  if [[ $EUID -eq 0 ]]; then
    (cd / && runuser -u postgres -- "$@")
  else
    "$@"
  fi
}

# infra/.run/pg is a directory, or (when root and the checkout lies where user postgres cannot
# go, e.g. under /root) a symlink to a directory in postgres's home; PG_DIR is the real path.
PG_LINK="$RUN/pg"
PG_DIR="$(readlink -f "$PG_LINK" 2>/dev/null || echo "$PG_LINK")"
PG_DATA="$PG_DIR/data"
PG_LOG="$PG_DIR/postgres.log"
REDIS_DIR="$RUN/redis"
REDIS_PID="$REDIS_DIR/redis.pid"
KAFKA_DIR="$RUN/kafka"
KAFKA_PID="$KAFKA_DIR/broker.pid"
KAFKA_LOG="$KAFKA_DIR/broker.log"
KAFKA_CONF="$KAFKA_DIR/server.properties"
S3_DIR="$RUN/s3"
S3_PROC_DIR="$RUN/s3proxy"
S3_PID="$S3_PROC_DIR/s3proxy.pid"
S3_LOG="$S3_PROC_DIR/s3proxy.log"
RUN_LIB="$RUN/lib"

# Unix sockets have a ~107-byte path limit; a deep checkout falls back to a short private dir.
pg_socket_dir() {
  local d="$PG_DIR/sock"
  if (( ${#d} + 20 > 100 )); then
    d="/tmp/fabric-pg-$(printf '%s' "$RUN" | cksum | cut -d' ' -f1)"
  fi
  printf '%s\n' "$d"
}

pg_pid() {
  [[ -f "$PG_DATA/postmaster.pid" ]] || return 1
  as_pg "$PG_BIN/pg_ctl" status -D "$PG_DATA" >/dev/null 2>&1 || return 1
  head -n1 "$PG_DATA/postmaster.pid"
}
redis_pid() { owned_pid "$REDIS_PID" redis-server; }
kafka_pid() { owned_pid "$KAFKA_PID" "$KAFKA_CONF"; }
s3proxy_pid() { owned_pid "$S3_PID" org.gaul.s3proxy.Main; }

# name pid port [extra]
print_service() {
  local name=$1 pid=$2 port=$3 extra=${4:-}
  if [[ -n "$pid" ]]; then
    local listening=no
    pid_listens "$pid" "$port" && listening=yes
    printf '  %-10s running  pid %-7s %s:%-6s listening=%-3s started %s  rss %s MB %s\n' \
      "$name" "$pid" "$HOST" "$port" "$listening" "$(proc_start_time "$pid")" "$(proc_rss_mb "$pid")" "$extra"
  else
    local note=''
    port_open "$port" && note="(port $port is open, but not by a process of ours)"
    printf '  %-10s stopped  %s\n' "$name" "$note"
  fi
}

print_status() {
  load_ports
  echo "external-mode services (state in $RUN):"
  local pid
  pid=$(pg_pid 2>/dev/null || true);      print_service postgres "$pid" "$PG_PORT" "db fabric"
  pid=$(redis_pid 2>/dev/null || true);   print_service redis "$pid" "$REDIS_PORT"
  pid=$(kafka_pid 2>/dev/null || true);   print_service kafka "$pid" "$KAFKA_PORT" "controller :$KAFKA_CONTROLLER_PORT"
  pid=$(s3proxy_pid 2>/dev/null || true); print_service s3proxy "$pid" "$S3_PORT" "bucket $S3_BUCKET"
}
