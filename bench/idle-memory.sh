#!/usr/bin/env bash
# M1 (idle part) and start-up: starts `rathaus serve --demo` on a fresh data
# directory, waits for /readyz, requests a few pages, then prints the
# resident memory (median of RUNS runs) and the time to ready.
# Usage: bench/idle-memory.sh [path/to/rathaus] (default: the release build
# binary in $CARGO_TARGET_DIR or ./target).
set -euo pipefail
BIN="${1:-${CARGO_TARGET_DIR:-target}/release/rathaus}"
RUNS="${RUNS:-5}"
PORT="${PORT:-18089}"
rss=(); ready=()
for run in $(seq 1 "$RUNS"); do
  dir=$(mktemp -d)
  # Seed once without timing it (the demo hashes a dozen passwords).
  "$BIN" serve --demo --data-dir "$dir" --listen "127.0.0.1:$PORT" >/dev/null 2>&1 &
  pid=$!
  until curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1; do sleep 0.05; done
  kill "$pid"; wait "$pid" 2>/dev/null || true
  start=$(date +%s%N)
  "$BIN" serve --data-dir "$dir" --listen "127.0.0.1:$PORT" >/dev/null 2>&1 &
  pid=$!
  until curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1; do sleep 0.005; done
  ready+=($(( ($(date +%s%N) - start) / 1000000 )))
  for p in / /anmelden /registrieren /arbeit/anmelden /assets/kern/kern.min.css /api/v1/openapi.json /metrics; do
    curl -fs -o /dev/null "http://127.0.0.1:$PORT$p" || true
  done
  sleep 1
  rss+=($(awk '/VmRSS/ {print int($2/1024)}' "/proc/$pid/status"))
  kill "$pid"; wait "$pid" 2>/dev/null || true
  rm -rf "$dir"
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo "idle RSS after first pages: median $(median "${rss[@]}") MB (runs: ${rss[*]})"
echo "start-up to ready (empty demo city): median $(median "${ready[@]}") ms (runs: ${ready[*]})"
