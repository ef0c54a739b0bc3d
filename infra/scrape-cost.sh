#!/usr/bin/env bash
# Series count and wall time of scraping an instance's /metrics, N times (default 10) 1 s apart.
# Usage: infra/scrape-cost.sh http://127.0.0.1:8080/metrics [N]
# Prints one line per scrape (seconds, bytes, series) and the load average of the machine, so a
# figure taken on a busy machine is read as such.
set -euo pipefail
url=${1:?usage: $0 URL [N]}
n=${2:-10}
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
for i in $(seq 1 "$n"); do
  t=$(curl -s -o "$tmp" -w '%{time_total}' "$url")
  printf 'scrape %2d: %ss  %s bytes  %s series\n' "$i" "$t" "$(wc -c < "$tmp")" "$(grep -vc '^#' "$tmp")"
  sleep 1
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
