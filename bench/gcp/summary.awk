# Side-by-side ratios for bench/run.sh gcp: the faas shim (providers/gcf)
# against the same handler registered directly with functions-framework-go
# (target faas/framework <= 1.10 time per request) and against bare
# net/http.
/^Benchmark/ {
  name = $1; sub(/-[0-9]+$/, "", name)
  for (i = 3; i < NF; i++) { sum[name, $(i+1)] += $i }
  cnt[name]++
}
function mean(b, u) { return sum[b, u] / cnt[b] }
END {
  print "== gcp: faas shim vs functions-framework direct vs bare net/http (target faas/framework <= 1.10) =="
  f = "BenchmarkHTTP/impl=framework"; s = "BenchmarkHTTP/impl=faas"; n = "BenchmarkHTTP/impl=bare"
  if (cnt[f] && cnt[s]) {
    printf "%-22s bare %8.0f  framework %8.0f  faas %8.0f ns/op   faas/framework %.3fx  faas/bare %.3fx\n", "BenchmarkHTTP", mean(n, "ns/op"), mean(f, "ns/op"), mean(s, "ns/op"), mean(s, "ns/op") / mean(f, "ns/op"), mean(s, "ns/op") / mean(n, "ns/op")
    printf "%-22s +%.0f B/op, +%.0f allocs/op over framework direct\n", "", mean(s, "B/op") - mean(f, "B/op"), mean(s, "allocs/op") - mean(f, "allocs/op")
  }
  p = "BenchmarkHTTPPaired"
  if (cnt[p]) {
    printf "%-22s framework %8.0f  faas %8.0f ns/req   faas/framework %.3fx (interleaved requests)\n", p, mean(p, "framework-ns/req"), mean(p, "faas-ns/req"), mean(p, "faas-ns/req") / mean(p, "framework-ns/req")
  }
  b = "BenchmarkServeHTTP/impl=bare"; s = "BenchmarkServeHTTP/impl=faas"
  if (cnt[b] && cnt[s]) {
    printf "%-22s raw handler %8.0f  shim %8.0f ns/op   shim cost %+.0f ns, %+.0f B, %+.0f allocs per request (in-process)\n", "BenchmarkServeHTTP", mean(b, "ns/op"), mean(s, "ns/op"), mean(s, "ns/op") - mean(b, "ns/op"), mean(s, "B/op") - mean(b, "B/op"), mean(s, "allocs/op") - mean(b, "allocs/op")
  }
}
