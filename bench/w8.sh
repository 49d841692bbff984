#!/usr/bin/env bash
# W8 (issue 6): a co-signing decision end to end through the API: the
# route row locked, the step checked against the actor and the version,
# the decision signed with the actor's Ed25519 key over the version's
# SHA-256, the next stage opened, the audit entry, the case timeline entry
# and the e-mail to the next signer queued, all in one durable transaction.
# Setup: the demo city with generated cases; the clerk Sam starts one route
# per document of the Bürgeramt (stage 1: Olaf co-signs; stage 2: Lea signs
# finally). Measured: Olaf's approvals, each on another route, from 16
# connections for SECS seconds (the route's version hash is the one of the
# document; the next stage's notification goes to Lea).
# Server on core 0, wrk on core 1; medians of RUNS runs.
# Usage: bench/w8.sh [path/to/rathaus] (default: the release build).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${1:-${CARGO_TARGET_DIR:-target}/release/rathaus}"
RUNS="${RUNS:-3}"; SECS="${SECS:-8}"; PORT="${PORT:-18098}"; CONNS="${CONNS:-16}"
# Routes per run: more than the target rate (1 000/s) times SECS allows.
PER_RUN="${PER_RUN:-15000}"
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
source bench/lib.sh
q() { python3 - "$dir" "$@" <<'PY'
import sqlite3, sys, uuid
db = sqlite3.connect(f"file:{sys.argv[1]}/rathaus.db?mode=ro", uri=True)
what = sys.argv[2]
u = lambda b: str(uuid.UUID(bytes=b))
if what == "accounts":
    for email in ("sachbearbeitung", "ordnungsamt", "leitung.buergeramt"):
        print(u(db.execute("SELECT id FROM identity_account WHERE email = ?", (email + "@musterstadt.example",)).fetchone()[0]))
elif what == "documents":
    # The Bürgeramt's documents (Sam may route them, Lea signs them).
    out = open(sys.argv[3], "w")
    olaf, lea = sys.argv[4], sys.argv[5]
    for (d,) in db.execute("SELECT d.id FROM records_document d JOIN records_file f ON f.id = d.file_id JOIN identity_org_unit o ON o.id = f.org_unit_id WHERE o.code = '33'"):
        out.write(f'/api/v1/cosigning/routes\t{{"document_id":"{u(d)}","title":"Stellungnahme","stages":[[{{"kind":"cosign","account_id":"{olaf}"}}],[{{"kind":"final","account_id":"{lea}"}}]]}}\n')
elif what == "steps":
    rows = db.execute("SELECT s.route_id, s.id, r.version_id FROM cosigning_step s JOIN cosigning_route r ON r.id = s.route_id WHERE s.state = 'open' AND s.kind = 'cosign' ORDER BY s.id").fetchall()
    runs, per = int(sys.argv[3]), int(sys.argv[4])
    for r in range(runs):
        with open(f"{sys.argv[1]}/steps-{r + 1}.txt", "w") as f:
            for route, step, version in rows[r * per:(r + 1) * per]:
                f.write(f'/api/v1/cosigning/routes/{u(route)}/steps/{u(step)}/decision\t{{"version_id":"{u(version)}","decision":"approve"}}\n')
    print(len(rows))
elif what == "counts":
    print(*[db.execute(s).fetchone()[0] for s in (
        "SELECT COUNT(*) FROM cosigning_decision",
        "SELECT COUNT(*) FROM cosigning_step WHERE kind = 'final' AND state = 'open'",
        "SELECT COUNT(*) FROM storage_audit_log WHERE action = 'cosigning.decided'" )])
PY
}
dir=$(mktemp -d); pid=""
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; rm -rf "$dir"' EXIT
# Cases of the Bürgeramt are a part of all generated cases.
"$BIN" --data-dir "$dir" demo --cases "${CASES:-150000}" >/dev/null 2>&1
read -r sam olaf lea < <(q accounts | tr '\n' ' '; echo)
SAM_TOKEN=$("$BIN" --data-dir "$dir" token create --name "W8 lead" --scope cases:write --for sachbearbeitung@musterstadt.example 2>/dev/null)
OLAF_TOKEN=$("$BIN" --data-dir "$dir" token create --name "W8 co-signer" --scope cases:write --for ordnungsamt@musterstadt.example 2>/dev/null)
q documents "$dir/routes.txt" "$olaf" "$lea"
taskset -c 0 "$BIN" serve --data-dir "$dir" --listen "127.0.0.1:$PORT" >"$dir/server.log" 2>&1 & pid=$!
until curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1; do sleep 0.2; done
start=$(date +%s.%N)
python3 - "$dir/routes.txt" "$SAM_TOKEN" "$PORT" <<'PY'
# Starts the routes from 8 connections (setup, not measured).
import http.client, sys, threading
lines = [l.rstrip("\n").split("\t", 1) for l in open(sys.argv[1])]
token, port = sys.argv[2], int(sys.argv[3])
def work(part):
    c = http.client.HTTPConnection("127.0.0.1", port)
    for path, body in part:
        c.request("POST", path, body, {"Authorization": "Bearer " + token, "Content-Type": "application/json"})
        r = c.getresponse(); r.read()
        if r.status != 201 and r.status != 200:
            sys.exit(f"route start: {r.status}")
threads = [threading.Thread(target=work, args=(lines[i::8],)) for i in range(8)]
[t.start() for t in threads]; [t.join() for t in threads]
PY
routes=$(q steps "$RUNS" "$PER_RUN")
echo "setup: $routes routes started in $(printf '%.1f' "$(echo "$(date +%s.%N) - $start" | bc)") s"
[ "$routes" -ge $((RUNS * PER_RUN)) ] || { echo "too few routes: $routes for $RUNS runs of $PER_RUN (raise CASES)"; exit 1; }
p50=(); p99=(); rps=()
for r in $(seq 1 "$RUNS"); do
  out=$(LINES_FILE="$dir/steps-$r.txt" LINES_TOKEN="$OLAF_TOKEN" taskset -c 1 wrk -t1 -c"$CONNS" -d"${SECS}s" --timeout 10s --latency -s bench/lines.lua "http://127.0.0.1:$PORT")
  grep -q "Non-2xx" <<<"$out" && { echo "error responses (too few routes per run? raise PER_RUN):"; echo "$out"; tail -20 "$dir/server.log"; exit 1; }
  wrk_figures "$out"
  read -r decisions finals audits <<<"$(q counts)"
  echo "run $r: $(awk '/requests in/ {print $1}' <<<"$out") decisions answered; in the database: $decisions decisions, $finals final steps opened, $audits audit entries"
done
echo "W8 co-signing decision (signature, next stage, audit, timeline, notification; durable), $CONNS connections, ${SECS}s x $RUNS runs"
echo "decision: p50 $(median "${p50[@]}") (${p50[*]}), p99 $(median "${p99[@]}") (${p99[*]}), $(median "${rps[@]}") decisions/s (${rps[*]})"
