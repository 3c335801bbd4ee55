#!/usr/bin/env bash
# Runs one provider's benchmarks and prints the raw results (benchstat
# input) followed by a side-by-side summary (means over the runs).
# usage: bench/run.sh <provider> [count]     e.g. bench/run.sh aws 6
# Each provider keeps its benchmarks in bench/<provider>/. The summary
# prints every benchmark's mean per unit, then the ratios a provider's
# targets name (AWS: BenchmarkInvoke/{faas,native,apiproxy} and
# BenchmarkColdStart/{todo,hello}); add other providers' ratios the same way.
set -euo pipefail
cd "$(dirname "$0")"
provider=${1:?usage: bench/run.sh <provider> [count]}
count=${2:-6}
[ -d "$provider" ] || { echo "bench/run.sh: no benchmarks for provider '$provider' (no bench/$provider/)" >&2; exit 2; }
out=$(mktemp)
trap 'rm -f "$out"' EXIT
go test -run '^$' -bench . -benchmem -count "$count" "./$provider/" | tee "$out"
echo
echo "== summary ($provider, mean of $count runs) =="
awk '
/^Benchmark/ {
  name=$1; sub(/-[0-9]+$/, "", name)
  n[name]++
  for (i = 3; i < NF; i += 2) { v[name, $(i+1)] += $i; units[$(i+1)] = 1 }
  if (!(name in seen)) { order[++k] = name; seen[name] = 1 }
}
END {
  for (j = 1; j <= k; j++) {
    b = order[j]; line = sprintf("%-32s", b)
    for (u in units) if ((b, u) in v) line = line sprintf("  %14.0f %s", v[b, u] / n[b], u)
    print line
    for (u in units) mean[b, u] = v[b, u] / n[b]
  }
  if (("BenchmarkInvoke/faas", "ns/op") in mean) {
    f = "BenchmarkInvoke/faas"; a = "BenchmarkInvoke/native"; p = "BenchmarkInvoke/apiproxy"
    printf "\ntime/op   faas/native   %.2fx (target <= 0.5)\n", mean[f, "ns/op"] / mean[a, "ns/op"]
    printf "time/op   faas/apiproxy %.2fx (target <= 0.4)\n", mean[f, "ns/op"] / mean[p, "ns/op"]
    printf "bytes/op  faas/native   %.2fx (target <= 0.5)\n", mean[f, "B/op"] / mean[a, "B/op"]
    printf "allocs/op faas/native   %.2fx\n", mean[f, "allocs/op"] / mean[a, "allocs/op"]
  }
  if (("BenchmarkColdStart/todo", "ns/op") in mean) {
    t = "BenchmarkColdStart/todo"; h = "BenchmarkColdStart/hello"
    printf "cold start todo/hello   %.2fx (target <= 1.2)\n", mean[t, "ns/op"] / mean[h, "ns/op"]
    printf "zip size   todo/hello   %.2fx (target <= 2; %.1f MiB vs %.1f MiB)\n", mean[t, "zip-bytes"] / mean[h, "zip-bytes"], mean[t, "zip-bytes"] / 1048576, mean[h, "zip-bytes"] / 1048576
    d = "BenchmarkColdStart/hello-drivers"
    if ((d, "ns/op") in mean) {
      printf "floor: hello + the 3 gocloud AWS drivers, no faas code: cold start %.2fx, zip %.2fx of hello\n", mean[d, "ns/op"] / mean[h, "ns/op"], mean[d, "zip-bytes"] / mean[h, "zip-bytes"]
      printf "       todo/floor: cold start %.2fx, zip %.2fx\n", mean[t, "ns/op"] / mean[d, "ns/op"], mean[t, "zip-bytes"] / mean[d, "zip-bytes"]
    }
  }
}' "$out"
if [ -f "$provider/summary.awk" ]; then
  echo
  awk -f "$provider/summary.awk" "$out"
fi
