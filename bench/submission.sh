#!/usr/bin/env bash
# W6 (issue 3): a submission end to end through the API — 5 KB of answers
# and a distinct 1 MB PDF per request, validated by the published form,
# the attachment stored content-addressed with fsync, the submission, its
# submission.received event and receipt mail job committed with fsync
# (SQLite synchronous=FULL) before the 201. Server on core 0, wrk on core 1
# with 16 connections; prints medians of RUNS runs and a one-client run.
# Usage: bench/submission.sh [path/to/rathaus] (default: the release build).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${1:-${CARGO_TARGET_DIR:-target}/release/rathaus}"
RUNS="${RUNS:-3}"; SECS="${SECS:-10}"; PORT="${PORT:-18091}"; CONNS="${CONNS:-16}"
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
dir=$(mktemp -d); pid=""
trap '[ -n "$pid" ] && { kill $pid 2>/dev/null; wait $pid 2>/dev/null; }; rm -rf "$dir"' EXIT
"$BIN" --data-dir "$dir" demo >/dev/null 2>&1
W6_TOKEN=$("$BIN" --data-dir "$dir" token create --name "W6 benchmark" --scope submissions:write 2>/dev/null)
export W6_TOKEN W6_DIR="$dir"
python3 bench/w6_body.py "$dir"
taskset -c 0 "$BIN" serve --data-dir "$dir" --listen "127.0.0.1:$PORT" >"$dir/server.log" 2>&1 & pid=$!
until W6_SERVICE=$(curl -fs "http://127.0.0.1:$PORT/api/v1/services?q=Sondernutzung&limit=1" 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["services"][0]["id"])' 2>/dev/null); do sleep 0.2; done
export W6_SERVICE
one() { # warm-up: one second with one client
  W6_RUN=warm taskset -c 1 wrk -t1 -c1 -d1s -s bench/submission.lua "http://127.0.0.1:$PORT" >/dev/null
}
one
# One client first: under load the receipt mails queue up, and the job
# runner working off that backlog would be measured with it.
single=$(W6_RUN=single taskset -c 1 wrk -t1 -c1 -d"${SECS}s" --latency -s bench/submission.lua "http://127.0.0.1:$PORT" | awk '$1=="50%" {p50=$2} $1=="99%" {p99=$2} END {print p50 " / " p99}')
p50=(); p99=(); rps=()
for r in $(seq 1 "$RUNS"); do
  out=$(W6_RUN="r$r" taskset -c 1 wrk -t1 -c"$CONNS" -d"${SECS}s" --timeout 10s --latency -s bench/submission.lua "http://127.0.0.1:$PORT")
  grep -q "Non-2xx" <<<"$out" && { echo "error responses under load:"; echo "$out"; tail -20 "$dir/server.log"; exit 1; }
  p50+=("$(awk '$1=="50%" {print $2}' <<<"$out")")
  p99+=("$(awk '$1=="99%" {print $2}' <<<"$out")")
  rps+=("$(awk '/Requests\/sec/ {print $2}' <<<"$out")")
done
count=$(python3 - "$dir" <<'PY'
import sqlite3, sys
db = sqlite3.connect(f"file:{sys.argv[1]}/rathaus.db?mode=ro", uri=True)
print(db.execute("SELECT COUNT(*) FROM forms_submission").fetchone()[0], db.execute("SELECT COUNT(*) FROM storage_event").fetchone()[0])
PY
)
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo "W6 submissions: 5 KB answers + 1 MB PDF each, $CONNS connections, ${SECS}s x $RUNS runs"
echo "p50: median $(median "${p50[@]}") (runs: ${p50[*]})"
echo "p99: median $(median "${p99[@]}") (runs: ${p99[*]})"
echo "throughput: median $(median "${rps[@]}") submissions/s (runs: ${rps[*]})"
echo "one client (p50 / p99): $single"
echo "stored: submissions and events $count; blobs on disk: $(du -sh "$dir/blobs" | cut -f1)"
