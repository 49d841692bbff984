#!/usr/bin/env bash
# W11 (issue 9): a staff survey at Stuttgart's scale — N people (default
# 5 600) answer the demo survey through the API, CONC at a time, each once;
# then HR closes it, the staff council publishes, and the results (with the
# breakdowns) and the participation per org unit are read. Fails when an
# answer is not stored or the results count differently.
# Server on core 0, the client (crates/rathaus/examples/w11.rs) on core 1;
# a fresh demo city per run; medians of RUNS runs.
# Usage: bench/w11.sh [path/to/rathaus] (default: the release build).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${1:-${CARGO_TARGET_DIR:-target}/release/rathaus}"
RUNS="${RUNS:-3}"; N="${N:-5600}"; CONC="${CONC:-8}"; PORT="${PORT:-18110}"
source bench/lib.sh
cargo build --release -q -p rathaus --example w11
CLIENT="${CARGO_TARGET_DIR:-target}/release/examples/w11"
dir=""; pid=""
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; [ -n "$dir" ] && rm -rf "$dir"' EXIT
secs=(); p50=(); p99=(); res=(); units=()
for r in $(seq 1 "$RUNS"); do
  dir=$(mktemp -d /tmp/rathaus-w11.XXXXXX)
  "$BIN" --data-dir "$dir" demo --mobile-staff "$N" >/dev/null 2>&1
  "$CLIENT" prepare "$dir" "$N" >"$dir/w11.json"
  taskset -c 0 "$BIN" serve --data-dir "$dir" --listen "127.0.0.1:$PORT" >"$dir/server.log" 2>&1 & pid=$!
  until curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1; do sleep 0.2; done
  out=$(taskset -c 1 "$CLIENT" run "http://127.0.0.1:$PORT" "$dir/w11.json" "$CONC")
  echo "run $r: $out"
  secs+=("$(sed -n 's/.* in \([0-9.]*\) s (.*/\1/p' <<<"$out")")
  p50+=("$(sed -n 's/.*submit p50 \([0-9.]*\) ms.*/\1/p' <<<"$out")")
  p99+=("$(sed -n 's/.*p99 \([0-9.]*\) ms;.*/\1/p' <<<"$out")")
  res+=("$(sed -n 's/.*; results \([0-9.]*\) ms.*/\1/p' <<<"$out")")
  units+=("$(sed -n 's/.*participation per unit \([0-9.]*\) ms.*/\1/p' <<<"$out")")
  kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
  rm -rf "$dir"; dir=""
done
echo "W11 $N responses x $RUNS runs: all in $(median "${secs[@]}") s (${secs[*]}; target ≤ 60 s), submit p50 $(median "${p50[@]}") ms, p99 $(median "${p99[@]}") ms (${p99[*]}; target ≤ 20 ms), results $(median "${res[@]}") ms (${res[*]}; target ≤ 200 ms), participation per unit $(median "${units[@]}") ms"
