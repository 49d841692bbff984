#!/usr/bin/env bash
# W2 (issue 4): a case with two documents of 200 KB each. In rathaus a
# case is made from a submission: the submission API stores the answers,
# both attachments (content-addressed, fsync) and the submission.received
# event in one transaction; the outbox job then makes the case in one
# transaction: the file with its gap-free reference, the data and the two
# attachments as documents, the case in its status with its deadline, the
# timeline entry, the access-log entries and the text jobs. This measures
# both under load: 16 connections submit for SECS seconds while the job
# runner makes the cases; then it waits until every submission is a case.
# Server on core 0, wrk on core 1; medians of RUNS runs.
# Usage: bench/w2.sh [path/to/rathaus] (default: the release build).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${1:-${CARGO_TARGET_DIR:-target}/release/rathaus}"
RUNS="${RUNS:-3}"; SECS="${SECS:-10}"; PORT="${PORT:-18094}"; CONNS="${CONNS:-16}"
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
count() { python3 - "$1" <<'PY'
import sqlite3, sys
db = sqlite3.connect(f"file:{sys.argv[1]}/rathaus.db?mode=ro", uri=True)
print(db.execute("SELECT COUNT(*) FROM forms_submission").fetchone()[0], db.execute("SELECT COUNT(*) FROM cases_case").fetchone()[0], db.execute("SELECT COUNT(*) FROM records_version").fetchone()[0])
PY
}
p50=(); p99=(); rps=(); cps=()
for r in $(seq 1 "$RUNS"); do
  dir=$(mktemp -d); pid=""
  "$BIN" --data-dir "$dir" demo >/dev/null 2>&1
  W6_TOKEN=$("$BIN" --data-dir "$dir" token create --name "W2 benchmark" --scope submissions:write 2>/dev/null)
  export W6_TOKEN W6_DIR="$dir"
  python3 bench/w6_body.py "$dir" 200 200 >/dev/null
  taskset -c 0 "$BIN" serve --data-dir "$dir" --listen "127.0.0.1:$PORT" >"$dir/server.log" 2>&1 & pid=$!
  until W6_SERVICE=$(curl -fs "http://127.0.0.1:$PORT/api/v1/services?q=Sondernutzung&limit=1" 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["services"][0]["id"])' 2>/dev/null); do sleep 0.2; done
  export W6_SERVICE
  start=$(date +%s.%N)
  out=$(W6_RUN="w2-$r" taskset -c 1 wrk -t1 -c"$CONNS" -d"${SECS}s" --timeout 10s --latency -s bench/submission.lua "http://127.0.0.1:$PORT")
  grep -q "Non-2xx" <<<"$out" && { echo "error responses:"; echo "$out"; tail -20 "$dir/server.log"; exit 1; }
  read -r subs cases versions <<<"$(count "$dir")"
  while [ "$cases" -lt "$subs" ]; do sleep 0.2; read -r subs cases versions <<<"$(count "$dir")"; done
  took=$(echo "$(date +%s.%N) - $start" | bc)
  p50+=("$(awk '$1=="50%" {print $2}' <<<"$out")")
  p99+=("$(awk '$1=="99%" {print $2}' <<<"$out")")
  rps+=("$(awk '/Requests\/sec/ {print $2}' <<<"$out")")
  cps+=("$(echo "scale=1; $cases / $took" | bc)")
  echo "run $r: $subs submissions, $cases cases ($versions document versions) in ${took}s"
  kill $pid; wait $pid 2>/dev/null || true; rm -rf "$dir"
done
echo "W2 two documents of 200 KB each, $CONNS connections, ${SECS}s x $RUNS runs"
echo "submission with both documents, durable: p50 $(median "${p50[@]}") (${p50[*]}), p99 $(median "${p99[@]}") (${p99[*]}), $(median "${rps[@]}") req/s (${rps[*]})"
echo "cases made (each in one transaction with its three documents), from the first request to the last case: $(median "${cps[@]}")/s (${cps[*]})"
