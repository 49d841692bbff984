# Helpers shared by the benchmark scripts (sourced).

# The median of the arguments.
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# Appends p50, p99 and requests per second of a `wrk --latency` output to
# the caller's arrays p50, p99 and rps.
wrk_figures() {
  p50+=("$(awk '$1=="50%" {print $2}' <<<"$1")")
  p99+=("$(awk '$1=="99%" {print $2}' <<<"$1")")
  rps+=("$(awk '/Requests\/sec/ {print $2}' <<<"$1")")
}
