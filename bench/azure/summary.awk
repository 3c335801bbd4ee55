# Side-by-side ratios for bench/run.sh azure: relative throughput of the
# faas shim against bare net/http (baseline ns/op / faas ns/op; >= 0.95 is
# the target), per benchmark family, plus the paired benchmark's ratio.
/^Benchmark/ {
  name = $1; sub(/-[0-9]+$/, "", name)
  for (i = 3; i < NF; i++) { sum[name, $(i+1)] += $i }
  cnt[name]++
}
END {
  print "== azure: faas shim vs bare net/http (relative throughput, target >= 0.95) =="
  split("BenchmarkForwarded BenchmarkServeHTTP BenchmarkOverhead", fams, " ")
  for (j = 1; j <= 3; j++) {
    f = fams[j]; b = f "/impl=bare"; s = f "/impl=faas"
    if (cnt[b] && cnt[s]) {
      mb = sum[b, "ns/op"] / cnt[b]; ms = sum[s, "ns/op"] / cnt[s]
      printf "%-26s bare %9.0f ns/op  faas %9.0f ns/op  ratio %.3f  (+%.0f ns, +%.0f B, +%.0f allocs per request)\n", f, mb, ms, mb / ms, ms - mb, (sum[s, "B/op"] / cnt[s]) - (sum[b, "B/op"] / cnt[b]), (sum[s, "allocs/op"] / cnt[s]) - (sum[b, "allocs/op"] / cnt[b])
    }
  }
  p = "BenchmarkForwardedPaired"
  if (cnt[p]) {
    printf "%-26s bare %9.0f ns/req faas %9.0f ns/req ratio %.3f  (paired, interleaved requests)\n", p, sum[p, "bare-ns/req"] / cnt[p], sum[p, "faas-ns/req"] / cnt[p], (sum[p, "bare-ns/req"] / cnt[p]) / (sum[p, "faas-ns/req"] / cnt[p])
  }
}
