#!/usr/bin/env bash
# W9 (issue 7): the presence planner for 15 000 staff in 1 500 teams — a
# four-week rotation plan per team, generated (MIP), checked, saved and
# published team by team (ten teams share each location's desks, so each
# team sees the desks the teams before it took), then every saved plan
# checked again by the independent checker. Fails when a plan breaks a
# hard rule. Each run plans four new weeks (after the previous run's).
# Usage: bench/w9.sh [path/to/rathaus] (default: the release build).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${1:-${CARGO_TARGET_DIR:-target}/release/rathaus}"
RUNS="${RUNS:-3}"; STAFF="${STAFF:-15000}"
source bench/lib.sh
dir=$(mktemp -d /tmp/rathaus-w9.XXXXXX)
trap 'rm -rf "$dir"' EXIT
"$BIN" --data-dir "$dir" demo --mobile-staff "$STAFF" 2>/dev/null | grep Generated
monday=$(python3 -c "import datetime as d; t=d.date.today(); print(t + d.timedelta(days=7 - t.weekday()))")
secs=()
for run in $(seq 1 "$RUNS"); do
  start=$(python3 -c "import datetime as d; print(d.date.fromisoformat('$monday') + d.timedelta(weeks=4 * ($run - 1)))")
  out=$(RUST_LOG=info "$BIN" --data-dir "$dir" workplace plan-all --start "$start" --weeks 4 2>&1)
  echo "$out" | grep -E "W9|Planned" | sed 's/\x1b\[[0-9;]*m//g'
  secs+=("$(echo "$out" | sed -n 's/.* in \([0-9.]*\) s;.*/\1/p')")
done
echo "W9 median over $RUNS runs: $(median "${secs[@]}") s (plan, check, save, publish and check again; target ≤ 10 s)"
