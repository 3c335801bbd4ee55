#!/usr/bin/env bash
# Attacks and loads the to-do app under `faas dev` and prints the figures
# of issue #12 (JWT attacks, hostile inputs, tenancy probes, 60 s at 64
# connections, kill -9 under write load) and #13 (list and create
# throughput, p50/p99). Everything runs against 127.0.0.1 only.
#
# usage: scripts/attack.sh [flags of bench/attack]
#
#   The full run (defaults) takes about 4 minutes after the build.
#   A short run for CI:   scripts/attack.sh -load 5s -throughput 2s -crash-before 1s
#   Only some phases:     scripts/attack.sh -phases jwt,hostile,tenancy
#   Every attempt:        scripts/attack.sh -v
#
# It builds faas and the tool, then the tool starts `faas dev --port 0
# --no-watch --data <temp dir> ./examples/todo` itself and stops it at the
# end. Exit status: 0 when every security and durability target is met,
# 1 when one is missed, 2 when the run itself failed.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=$(mktemp -d "${TMPDIR:-/tmp}/faas-attack-bin.XXXXXX")
trap 'rm -rf "$BIN"' EXIT
(cd "$ROOT" && go build -o "$BIN/faas" ./cmd/faas)
(cd "$ROOT/bench" && go build -o "$BIN/attack" ./attack)
cd "$ROOT"
"$BIN/attack" -faas "$BIN/faas" -app ./examples/todo "$@"
