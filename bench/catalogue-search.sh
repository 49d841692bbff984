#!/usr/bin/env bash
# Catalogue search over 10 000 services (issue 3): imports a generated
# catalogue into a demo data directory, waits for the index job, then loads
# GET /api/v1/services?q=… with wrk (16 connections, rotating queries) from
# the second core while the server runs on the first. Prints medians of RUNS
# runs. Usage: bench/catalogue-search.sh [path/to/rathaus] (default: the
# release build).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${1:-${CARGO_TARGET_DIR:-target}/release/rathaus}"
N="${N:-10000}"; RUNS="${RUNS:-3}"; SECS="${SECS:-10}"; PORT="${PORT:-18090}"
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
dir=$(mktemp -d); trap 'kill $pid 2>/dev/null || true; rm -rf "$dir"' EXIT
"$BIN" serve --demo --data-dir "$dir" --listen "127.0.0.1:$PORT" >/dev/null 2>&1 & pid=$!
until curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1; do sleep 0.1; done
kill "$pid"; wait "$pid" 2>/dev/null || true
python3 bench/gen_catalogue.py "$N" > "$dir/catalogue.json"
start=$(date +%s%N)
"$BIN" --data-dir "$dir" catalogue import "$dir/catalogue.json" >/dev/null
import_ms=$(( ($(date +%s%N) - start) / 1000000 ))
taskset -c 0 "$BIN" serve --data-dir "$dir" --listen "127.0.0.1:$PORT" >/dev/null 2>&1 & pid=$!
start=$(date +%s%N)
until curl -fs "http://127.0.0.1:$PORT/api/v1/services?q=Zebrastreifenmarkierung" 2>/dev/null | grep -q '"total":[1-9]'; do sleep 0.1; done
index_ms=$(( ($(date +%s%N) - start) / 1000000 ))
total=$(curl -fs "http://127.0.0.1:$PORT/api/v1/services?q=beantragen&limit=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])')
taskset -c 1 wrk -t1 -c16 -d3s -s bench/search.lua "http://127.0.0.1:$PORT" >/dev/null
p50=(); p99=(); rps=()
for _ in $(seq 1 "$RUNS"); do
  out=$(taskset -c 1 wrk -t1 -c16 -d"${SECS}s" --latency -s bench/search.lua "http://127.0.0.1:$PORT")
  p50+=("$(awk '$1=="50%" {print $2}' <<<"$out")")
  p99+=("$(awk '$1=="99%" {print $2}' <<<"$out")")
  rps+=("$(awk '/Requests\/sec/ {print int($2)}' <<<"$out")")
  grep -q "Non-2xx" <<<"$out" && { echo "error responses under load:"; echo "$out"; exit 1; }
done
single=$(taskset -c 1 wrk -t1 -c1 -d"${SECS}s" --latency -s bench/search.lua "http://127.0.0.1:$PORT" | awk '$1=="50%" {p50=$2} $1=="99%" {p99=$2} END {print p50 " / " p99}')
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo "catalogue: $N services imported in ${import_ms} ms, indexed by the job in ${index_ms} ms (\"beantragen\" matches $total)"
echo "search p50: median $(median "${p50[@]}") (runs: ${p50[*]})"
echo "search p99: median $(median "${p99[@]}") (runs: ${p99[*]})"
echo "search latency with one client (p50 / p99): $single"
echo "search throughput: median $(median "${rps[@]}") req/s (runs: ${rps[*]}; server on core 0, wrk on core 1, 16 connections)"
