#!/usr/bin/env bash
# W1, W3, W4, W5 (issue 4) over 1 M generated cases with one ~2 KB German
# document each (rathaus demo --cases). The data directory is generated
# once and kept in BENCH_DIR for later runs (about 10 GB for 1 M cases).
#   W1: the queue API, 50 cases per page, filtered by status / type /
#       assignee in turn, scoped to the clerk's units, soonest deadline
#       first (16 connections);
#   W3: a case in one call (data as the form asked, documents, timeline,
#       follow-ups, requests) for random cases of the clerk's unit;
#   W4: document search (top 20 + total, permission-filtered) for frequent
#       and rare words, separately;
#   W5: full reindex of all documents from the kept texts.
# Server on core 0, wrk on core 1; medians of RUNS runs.
# Usage: bench/cases.sh [path/to/rathaus] (default: the release build);
# WORKLOADS="W1 W4" runs only those.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${1:-${CARGO_TARGET_DIR:-target}/release/rathaus}"
CASES="${CASES:-1000000}"; RUNS="${RUNS:-3}"; SECS="${SECS:-10}"; PORT="${PORT:-18092}"; CONNS="${CONNS:-16}"
DIR="${BENCH_DIR:-/var/tmp/rathaus-bench-$CASES}"
WORKLOADS="${WORKLOADS:-W1 W3 W4 W5}"
want() { [[ " $WORKLOADS " == *" $1 "* ]]; }
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
pid=""
trap '[ -n "$pid" ] && { kill $pid 2>/dev/null; wait $pid 2>/dev/null; }' EXIT
if [ ! -f "$DIR/generated" ]; then
  rm -rf "$DIR"; mkdir -p "$DIR"
  echo "generating $CASES cases in $DIR ..."
  /usr/bin/time -f "generation: %e s, peak RSS %M KB" "$BIN" --data-dir "$DIR" demo --cases "$CASES" 2>&1 | grep -v INFO
  touch "$DIR/generated"
fi
source bench/lib.sh

# W5 first (the server is not running): full reindex, RUNS times.
w5=()
want W5 && for r in $(seq 1 "$RUNS"); do
  s=$(date +%s.%N)
  "$BIN" --data-dir "$DIR" documents reindex >/dev/null 2>&1
  w5+=("$(echo "$(date +%s.%N) - $s" | bc)")
done

CLERK="leitung.buergeramt@musterstadt.example"
TOKEN=$("$BIN" --data-dir "$DIR" token create --name "Benchmark $(date +%s)" --scope cases:read --for "$CLERK" 2>/dev/null)
python3 - "$DIR" "$CLERK" <<'PY'
import sqlite3, sys, random
d, clerk = sys.argv[1], sys.argv[2]
db = sqlite3.connect(f"file:{d}/rathaus.db?mode=ro", uri=True)
def hexid(b): h = b.hex(); return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
acc, = db.execute("SELECT id FROM identity_account WHERE email = ?", (clerk,)).fetchone()
units = [r[0] for r in db.execute("SELECT org_unit_id FROM identity_role_grant WHERE account_id = ?", (acc,))]
q = "SELECT id FROM cases_case WHERE org_unit_id IN (%s) ORDER BY random() LIMIT 20000" % ",".join("?" * len(units))
open(f"{d}/case-ids.txt", "w").write("\n".join(hexid(r[0]) for r in db.execute(q, units)) + "\n")
types = [hexid(r[0]) for r in db.execute("SELECT DISTINCT case_type_id FROM cases_case WHERE org_unit_id IN (%s)" % ",".join("?" * len(units)), units)]
statuses = [r[0] for r in db.execute("SELECT DISTINCT status FROM cases_case WHERE org_unit_id IN (%s)" % ",".join("?" * len(units)), units)]
paths = ["/api/v1/cases", "/api/v1/cases?assignee=nobody", "/api/v1/cases?due=week"]
paths += [f"/api/v1/cases?status={s}" for s in statuses]
paths += [f"/api/v1/cases?case_type={t}" for t in types]
paths += [f"/api/v1/cases?case_type={t}&status=in_bearbeitung" for t in types]
paths += [f"/api/v1/cases?assignee={hexid(acc)}&status=in_bearbeitung"]
open(f"{d}/w1-paths.txt", "w").write("\n".join(paths) + "\n")
rng = random.Random(4)
frequent = ["Baugenehmigung", "Vollmacht", "Gebühr", "Antrag Stellungnahme", "Meldebescheinigung"]
rare = [f"{rng.randrange(1, 30000):06d}" for _ in range(200)]
open(f"{d}/w4-frequent.txt", "w").write("\n".join(f"/api/v1/search/documents?q={w.replace(' ', '+')}" for w in frequent) + "\n")
open(f"{d}/w4-rare.txt", "w").write("\n".join(f"/api/v1/search/documents?q={w}" for w in rare) + "\n")
print("cases:", db.execute("SELECT COUNT(*) FROM cases_case").fetchone()[0], "of which the clerk's units:", db.execute("SELECT COUNT(*) FROM cases_case WHERE org_unit_id IN (%s)" % ",".join("?" * len(units)), units).fetchone()[0], "documents:", db.execute("SELECT COUNT(*) FROM records_version").fetchone()[0])
PY
s=$(date +%s.%N)
taskset -c 0 "$BIN" serve --data-dir "$DIR" --listen "127.0.0.1:$PORT" >"$DIR/server.log" 2>&1 & pid=$!
until curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1; do sleep 0.05; done
startup=$(echo "$(date +%s.%N) - $s" | bc)
rss=$(awk '/VmRSS/ {print $2}' /proc/$pid/status)

run() { # name, path file, connections
  local name=$1 file=$2 conns=$3 p50=() p99=() rps=()
  BENCH_TOKEN="$TOKEN" BENCH_PATHS="$file" taskset -c 1 wrk -t1 -c"$conns" -d2s -s bench/paths.lua "http://127.0.0.1:$PORT" >/dev/null
  for r in $(seq 1 "$RUNS"); do
    out=$(BENCH_TOKEN="$TOKEN" BENCH_PATHS="$file" taskset -c 1 wrk -t1 -c"$conns" -d"${SECS}s" --timeout 10s --latency -s bench/paths.lua "http://127.0.0.1:$PORT")
    grep -q "Non-2xx" <<<"$out" && { echo "$name: error responses:"; echo "$out"; tail -5 "$DIR/server.log"; exit 1; }
    wrk_figures "$out"
  done
  echo "$name ($conns conns): p50 $(median "${p50[@]}") (${p50[*]}), p99 $(median "${p99[@]}") (${p99[*]}), $(median "${rps[@]}") req/s (${rps[*]})"
}
echo "start-up to ready: ${startup}s; RSS after start: $((rss / 1024)) MB"
if want W1; then
  run "W1 queue page, filtered" "$DIR/w1-paths.txt" "$CONNS"
  run "W1 one client" "$DIR/w1-paths.txt" 1
fi
sed 's|^|/api/v1/cases/|' "$DIR/case-ids.txt" > "$DIR/w3-paths.txt"
if want W3; then
  run "W3 case detail" "$DIR/w3-paths.txt" "$CONNS"
  run "W3 one client" "$DIR/w3-paths.txt" 1
fi
if want W4; then
  run "W4 search, frequent words" "$DIR/w4-frequent.txt" "$CONNS"
  run "W4 frequent, one client" "$DIR/w4-frequent.txt" 1
  run "W4 search, rare words" "$DIR/w4-rare.txt" "$CONNS"
  run "W4 rare, one client" "$DIR/w4-rare.txt" 1
fi
echo "RSS under load: $(( $(awk '/VmRSS/ {print $2}' /proc/$pid/status) / 1024 )) MB"
want W5 && echo "W5 full reindex of all documents: median $(median "${w5[@]}") s (runs: ${w5[*]})"
echo "database: $(du -sh "$DIR/rathaus.db" | cut -f1), blobs: $(du -sh "$DIR/blobs" | cut -f1), document index: $(du -sh "$DIR/index/documents" | cut -f1)"
