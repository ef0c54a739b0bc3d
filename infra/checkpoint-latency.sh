#!/usr/bin/env bash
# Time from a decision to the first signed checkpoint of the evidence log that includes it, for the
# decisions of the last N minutes (default 5): count, p50, p99 and max in seconds. Reads PostgreSQL:
# decision_log.decided_at (stamped by the decider), decision_evidence (the decision's log and leaf index)
# and log_checkpoint.published_at (stamped by the sequencer when the checkpoint is published).
# Usage: infra/checkpoint-latency.sh [MINUTES]   (against infra/up.sh's PostgreSQL; FABRIC_PG_PORT as there)
set -euo pipefail
minutes=${1:-5}
[[ "$minutes" =~ ^[0-9]+$ ]] || { echo "usage: $0 [MINUTES]" >&2; exit 2; }
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=infra/lib.sh
. "$here/lib.sh"
load_ports
psql_bin=$(ls /usr/lib/postgresql/*/bin/psql 2>/dev/null | tail -1)
[[ -n "$psql_bin" ]] || psql_bin=psql
PGPASSWORD=fabric "$psql_bin" -X -q -h "$HOST" -p "$PG_PORT" -U fabric -d fabric -v ON_ERROR_STOP=1 -v minutes="$minutes" <<'SQL'
WITH d AS (
  SELECT l.decided_at, e.log_origin, e.leaf_index
  FROM decision_log l JOIN decision_evidence e
    ON e.decision_id = l.decision_id AND e.decided_on = l.decided_on
  WHERE l.decided_at > now() - make_interval(mins => :minutes)
), t AS (
  SELECT extract(epoch FROM c.published_at - d.decided_at) AS s
  FROM d CROSS JOIN LATERAL (
    SELECT published_at FROM log_checkpoint c
    WHERE c.origin = d.log_origin AND c.size > d.leaf_index ORDER BY c.size LIMIT 1) c
)
SELECT count(*) AS decisions,
       round(percentile_cont(0.5) WITHIN GROUP (ORDER BY s)::numeric, 3) AS p50_s,
       round(percentile_cont(0.99) WITHIN GROUP (ORDER BY s)::numeric, 3) AS p99_s,
       round(max(s)::numeric, 3) AS max_s
FROM t;
SQL
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
