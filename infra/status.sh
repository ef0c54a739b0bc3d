#!/usr/bin/env bash
# Prints what infra/up.sh started and whether it still runs. Exit 0 when all four run, 3 otherwise.
set -euo pipefail
# shellcheck source=infra/lib.sh source-path=SCRIPTDIR
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

print_status
load_ports
all=0
pid=$(pg_pid 2>/dev/null) && pid_listens "$pid" "$PG_PORT" || all=3
pid=$(redis_pid 2>/dev/null) && pid_listens "$pid" "$REDIS_PORT" || all=3
pid=$(kafka_pid 2>/dev/null) && pid_listens "$pid" "$KAFKA_PORT" || all=3
pid=$(s3proxy_pid 2>/dev/null) && pid_listens "$pid" "$S3_PORT" || all=3
[[ -f "$RUN/external.properties" ]] && echo "  config:    $RUN/external.properties"
exit "$all"
