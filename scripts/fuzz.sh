#!/usr/bin/env bash
# Runs every Go fuzz target of the repository for a bounded time and fails
# when one finds an input that breaks it.
#
# usage: scripts/fuzz.sh [package dir ...]     e.g. scripts/fuzz.sh providers/awslambda
#
#   FUZZTIME   how long each target runs (go test -fuzztime), default 10s
#   FUZZMINIMIZETIME  how long go test may shrink one new corpus entry or
#              failing input (-fuzzminimizetime), default 1s: go test's 60s
#              would spend a short run minimizing instead of fuzzing
#
# Without arguments it runs the targets of every package whose _test.go
# files declare a `func FuzzXxx(f *testing.F)`. Each target runs alone
# (go test -fuzz allows one per run) and prints one line:
#
#   fuzz: ok   providers/awslambda FuzzDecodeSQS   10s  execs 52114  new 3
#   fuzz: FAIL providers/gcf FuzzDecodeBlob  (go test's report follows)
#   fuzz: SKIP providers/gcf FuzzCloudEvent  (FUZZTIME ran out while go test
#              replayed the seed and cached corpus, and so did three times
#              FUZZTIME on a second try; nothing was fuzzed)
#
# A finding is written by go test to <package>/testdata/fuzz/<target>/ and
# replays in every later `go test` of that package until it is fixed.
# Exit status: 0 when no target found anything (SKIPs included), 1 when
# one did or a package failed to build.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
FUZZTIME=${FUZZTIME:-10s}
FUZZMINIMIZETIME=${FUZZMINIMIZETIME:-1s}

if [ $# -gt 0 ]; then
  pkgs=("$@")
else
  mapfile -t pkgs < <(git ls-files '*_test.go' | xargs grep -l '^func Fuzz[A-Z0-9_][A-Za-z0-9_]*(f \*testing\.F)' | xargs -n1 dirname | sort -u)
fi
[ ${#pkgs[@]} -gt 0 ] || { echo "fuzz: no fuzz targets found" >&2; exit 1; }

# replayed_out: go test gave up because the budget ended before its
# baseline coverage run over the corpus did; no input failed, none was fuzzed.
replayed_out() { grep -q 'context deadline exceeded' "$out" && ! grep -q 'Failing input written' "$out"; }

# retry_budget 10s -> 30s: three times a -fuzztime of whole ms, s, m or
# iterations (Nx); anything else is kept as it is.
retry_budget() {
  local n=${1%%[a-z]*} unit=${1##*[0-9]}
  case $n$unit in
  "$1") [[ $n =~ ^[0-9]+$ ]] && [[ $unit =~ ^(ms|s|m|x)$ ]] && echo "$((n * 3))$unit" || echo "$1" ;;
  *) echo "$1" ;;
  esac
}

out=$(mktemp)
trap 'rm -f "$out"' EXIT
failed=0 ran=0 skipped=0
for pkg in "${pkgs[@]}"; do
  pkg=${pkg%/}
  mapfile -t targets < <(grep -ho '^func Fuzz[A-Za-z0-9_]*(f \*testing\.F)' "$pkg"/*_test.go | sed 's/^func \(Fuzz[A-Za-z0-9_]*\).*/\1/' | sort -u)
  for t in "${targets[@]}"; do
    ran=$((ran + 1))
    budget=$FUZZTIME
    while :; do
      rc=0
      go test -run '^$' -fuzz "^$t\$" -fuzztime "$budget" -fuzzminimizetime "$FUZZMINIMIZETIME" "./$pkg" >"$out" 2>&1 || rc=$?
      # The budget ended while go test replayed the corpus: once, give it
      # three times as long, so that the target is fuzzed after all.
      if [ $rc -ne 0 ] && [ "$budget" = "$FUZZTIME" ] && replayed_out; then
        budget=$(retry_budget "$FUZZTIME")
        printf 'fuzz: ...  %s %s  (the corpus replay outlasted %s; again with %s)\n' "$pkg" "$t" "$FUZZTIME" "$budget"
        continue
      fi
      break
    done
    if [ $rc -eq 0 ]; then
      # The last progress line: "fuzz: elapsed: 10s, execs: 52114 (5210/sec), new interesting: 3 (total: 12)".
      stats=$(grep '^fuzz: elapsed' "$out" | tail -1 | sed -n 's/^fuzz: elapsed: \([^,]*\), execs: \([0-9]*\).*new interesting: \([0-9]*\).*/\1  execs \2  new \3/p')
      printf 'fuzz: ok   %s %s  %s\n' "$pkg" "$t" "${stats:-$FUZZTIME}"
    elif replayed_out; then
      # go test gives up when FUZZTIME ends before its baseline coverage
      # run over the corpus does: no input failed, none was fuzzed either.
      skipped=$((skipped + 1))
      printf 'fuzz: SKIP %s %s  (%s ended during the corpus replay too; raise FUZZTIME)\n' "$pkg" "$t" "$budget"
    else
      failed=$((failed + 1))
      printf 'fuzz: FAIL %s %s\n' "$pkg" "$t"
      grep -v '^fuzz: elapsed' "$out" | tail -40 | sed 's/^/    /'
    fi
  done
done
echo "fuzz: $((ran - failed - skipped)) passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
