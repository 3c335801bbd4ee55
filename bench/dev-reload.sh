#!/usr/bin/env bash
# Measures the time from a source edit to the new code serving under faas dev:
# it starts faas dev on the to-do app, edits a handler so that /api/healthz
# answers differently, and polls until the new answer is served.
# usage: bench/dev-reload.sh [runs] [provider]   (default 3 runs, plain faas dev)
#   provider: aws, gcp or azure measures faas dev --emulate=<provider>
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
emulate=()
[ -z "${2:-}" ] || emulate=("--emulate=$2")
port=18181
data=$(mktemp -d)
go build -o "$data/faas" ./cmd/faas
"$data/faas" dev "${emulate[@]}" --port $port --data "$data/dev" ./examples/todo >"$data/log" 2>&1 &
pid=$!
file=examples/todo/api.go
cp "$file" "$data/api.go.orig"
cleanup() { cp "$data/api.go.orig" "$file"; kill $pid 2>/dev/null; wait $pid 2>/dev/null || true; rm -rf "$data"; }
trap cleanup EXIT
until curl -sf "http://127.0.0.1:$port/api/healthz" >/dev/null; do sleep 0.2; done
for i in $(seq 1 "$runs"); do
  sed -i "s/map\[string\]bool{\"ok\": true}/map[string]bool{\"ok\": true, \"r$i\": true}/" "$file"
  t0=$(date +%s%N)
  until curl -sf "http://127.0.0.1:$port/api/healthz" | grep -q "\"r$i\""; do sleep 0.02; done
  t1=$(date +%s%N)
  echo "run $i: edit → new code serving in $(( (t1 - t0) / 1000000 )) ms"
  cp "$data/api.go.orig" "$file"
  until ! curl -sf "http://127.0.0.1:$port/api/healthz" | grep -q "\"r$i\""; do sleep 0.05; done
done
