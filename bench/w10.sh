#!/usr/bin/env bash
# W10 (issue 8): live chat — CONNS browsers (server-sent-event streams
# through the API) in one team room, then MESSAGES messages posted one
# after another; per stream and message, the time from sending the post
# (stored durably first) to the event read by the client. Fails when a
# stream misses a message or gets one twice.
# Server on core 0, the Rust client (crates/rooms/examples/w10_client.rs)
# on core 1; medians of RUNS runs.
# Usage: bench/w10.sh [path/to/rathaus] (default: the release build).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${1:-${CARGO_TARGET_DIR:-target}/release/rathaus}"
RUNS="${RUNS:-3}"; CONNS="${CONNS:-1000}"; MESSAGES="${MESSAGES:-20}"; PORT="${PORT:-18100}"
source bench/lib.sh
cargo build --release -q -p rooms --example w10_client
CLIENT="${CARGO_TARGET_DIR:-target}/release/examples/w10_client"
# Each stream is a connection on both sides.
ulimit -n 16384
dir=$(mktemp -d); pid=""
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; rm -rf "$dir"' EXIT
"$BIN" --data-dir "$dir" demo >/dev/null 2>&1
TOKEN=$("$BIN" --data-dir "$dir" token create --name "W10" --scope rooms:read --scope rooms:write --for mobil@musterstadt.example 2>/dev/null)
ROOM=$(python3 - "$dir" <<'PY'
import sqlite3, sys, uuid
db = sqlite3.connect(f"file:{sys.argv[1]}/rathaus.db?mode=ro", uri=True)
(r,) = db.execute("SELECT r.id FROM rooms_room r JOIN identity_org_unit u ON u.id = r.org_unit_id WHERE u.code = '33.1'").fetchone()
print(uuid.UUID(bytes=r))
PY
)
taskset -c 0 "$BIN" serve --data-dir "$dir" --listen "127.0.0.1:$PORT" >"$dir/server.log" 2>&1 & pid=$!
until curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1; do sleep 0.2; done
p50=(); p99=()
for r in $(seq 1 "$RUNS"); do
  out=$(taskset -c 1 "$CLIENT" "http://127.0.0.1:$PORT" "$TOKEN" "$ROOM" "$CONNS" "$MESSAGES")
  echo "run $r: $out"
  p50+=("$(sed -n 's/.*p50 \([0-9.]*\) ms.*/\1/p' <<<"$out")")
  p99+=("$(sed -n 's/.*p99 \([0-9.]*\) ms.*/\1/p' <<<"$out")")
done
echo "W10 $CONNS live connections in one room, $MESSAGES messages x $RUNS runs: delivery p50 $(median "${p50[@]}") ms (${p50[*]}), p99 $(median "${p99[@]}") ms (${p99[*]}); target p99 ≤ 100 ms"
