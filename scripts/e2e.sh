#!/usr/bin/env bash
# Browser end-to-end tests of the examples/todo app.
#
# usage: scripts/e2e.sh [--check-dist] [--no-restart] [--no-walkthrough] [TARGET...]
#
#   TARGET        local (default): `faas dev ./examples/todo`
#                 any other name X: `faas dev --emulate=X ./examples/todo`
#                 (e.g. aws). Targets run one after the other.
#   --check-dist  check that examples/todo/web/dist (committed) is exactly
#                 what `npm run build` makes from the lockfile; alone, it
#                 runs only this check.
#   --no-restart  skip the "survives a restart" phase.
#   --no-walkthrough  skip the README walk-through phase.
#
# For each target: start `faas dev` on a fresh data directory, run
# e2e/main.test.mjs against it, restart it on the same data directory, run
# e2e/after-restart.test.mjs; then start it on another fresh data directory
# and run the README's curl walk-through (scripts/walkthrough.sh). Installs Debian's chromium and the npm
# packages when missing. Screenshots and server logs go to
# examples/todo/web/e2e/artifacts/. Exits non-zero if anything failed.
#
# Environment: E2E_READY_TIMEOUT (seconds to wait for `faas dev`, default
# 600: the first `go run` compiles everything), E2E_KEEP_DATA=1 keeps the
# data directories, E2E_FAAS replaces `go run ./cmd/faas` (e.g. a built
# faas binary), E2E_STATS_TIMEOUT_MS how long the statistics may lag
# (default 15000).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WEB="$ROOT/examples/todo/web"
ART="$WEB/e2e/artifacts"
READY_TIMEOUT=${E2E_READY_TIMEOUT:-600}

check_dist=0
restart=1
walkthrough=1
targets=()
for arg in "$@"; do
	case "$arg" in
	--check-dist) check_dist=1 ;;
	--no-restart) restart=0 ;;
	--no-walkthrough) walkthrough=0 ;;
	-h | --help)
		sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
		exit 0
		;;
	-*)
		echo "e2e: unknown option $arg" >&2
		exit 2
		;;
	*) targets+=("$arg") ;;
	esac
done
if [ ${#targets[@]} -eq 0 ] && [ $check_dist -eq 0 ]; then
	targets=(local)
fi

log() { echo "e2e: $*" >&2; }

# --- what is needed -------------------------------------------------------
ensure_node_modules() {
	if [ ! -d "$WEB/node_modules" ] || [ "$WEB/package-lock.json" -nt "$WEB/node_modules/.package-lock.json" ]; then
		log "npm ci in examples/todo/web"
		(cd "$WEB" && npm ci --no-audit --no-fund --loglevel=error)
	fi
}

ensure_chromium() {
	if [ -x "${E2E_CHROMIUM:-/usr/bin/chromium}" ]; then
		return
	fi
	log "installing Debian's chromium"
	local sudo=""
	[ "$(id -u)" -eq 0 ] || sudo="sudo"
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends chromium >/dev/null
}

# --- dist check -----------------------------------------------------------
check_dist() {
	ensure_node_modules
	local tmp
	tmp=$(mktemp -d)
	# Build a copy in another directory, as a fresh clone would.
	(cd "$WEB" && tar --exclude=./node_modules --exclude=./dist --exclude=./e2e/artifacts -cf - .) | (cd "$tmp" && tar -xf -)
	ln -s "$WEB/node_modules" "$tmp/node_modules"
	(cd "$tmp" && npx --no-install vite build --logLevel error)
	if diff -r "$WEB/dist" "$tmp/dist"; then
		log "dist/ matches a fresh build"
		rm -rf "$tmp"
	else
		log "dist/ differs from a fresh build: run 'npm run build' in examples/todo/web and commit dist/"
		rm -rf "$tmp"
		return 1
	fi
}

# --- the server -----------------------------------------------------------
SERVER_PID=""
URL=""
DATA_DIRS=()

stop_server() {
	[ -n "$SERVER_PID" ] || return 0
	if kill -0 "$SERVER_PID" 2>/dev/null; then
		kill -TERM -- "-$SERVER_PID" 2>/dev/null || true
		for _ in $(seq 1 50); do
			kill -0 -- "-$SERVER_PID" 2>/dev/null || break
			sleep 0.2
		done
		kill -KILL -- "-$SERVER_PID" 2>/dev/null || true
	fi
	wait "$SERVER_PID" 2>/dev/null || true
	SERVER_PID=""
	URL=""
}

cleanup() {
	stop_server
	if [ "${E2E_KEEP_DATA:-0}" != 1 ]; then
		for d in "${DATA_DIRS[@]}"; do rm -rf "$d"; done
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

target_flags() {
	case "$1" in
	local) ;;
	*) echo "--emulate=$1" ;;
	esac
}

# start_server TARGET DATA_DIR LOG: starts `faas dev` in its own process
# group and sets URL once it serves.
start_server() {
	local target=$1 data=$2 logf=$3
	: >"$logf"
	# shellcheck disable=SC2046,SC2086
	(cd "$ROOT" && exec setsid ${E2E_FAAS:-go run ./cmd/faas} dev --port 0 --data "$data" $(target_flags "$target") ./examples/todo) \
		>"$logf" 2>&1 &
	SERVER_PID=$!
	local deadline=$((SECONDS + READY_TIMEOUT))
	while [ $SECONDS -lt $deadline ]; do
		if ! kill -0 "$SERVER_PID" 2>/dev/null; then
			log "faas dev exited before serving; its output:"
			tail -n 40 "$logf" >&2
			SERVER_PID=""
			return 1
		fi
		URL=$(sed -n 's/.*faas dev:.* serving \(https\{0,1\}:\/\/[^ ]*\).*/\1/p' "$logf" | tail -n 1)
		if [ -n "$URL" ] && curl -fs -o /dev/null --max-time 5 "$URL/api/auth/config"; then
			log "$target: serving $URL (data $data)"
			return 0
		fi
		sleep 0.5
	done
	log "faas dev did not serve within ${READY_TIMEOUT}s; its output:"
	tail -n 40 "$logf" >&2
	return 1
}

run_phase() { # run_phase TARGET PHASE FILE
	local target=$1 phase=$2 file=$3
	log "$target: $phase: $file against $URL"
	(cd "$WEB" && E2E_BASE_URL="$URL" E2E_TARGET="$target" E2E_PHASE="$phase" \
		E2E_STATE_FILE="$ART/$target-state.json" \
		timeout 900 node --test --test-reporter=spec --test-concurrency=1 "$file") 2>&1 | tee "$ART/$target-$phase.txt"
}

passed=0
failed=0
results=()
details=()
record() { # record NAME STATUS [FILE...]: the files' tails are repeated in the summary on failure
	local name=$1 status=$2 f
	shift 2
	if [ "$status" -eq 0 ]; then
		passed=$((passed + 1))
		results+=("ok      $name")
		return
	fi
	failed=$((failed + 1))
	results+=("FAILED  $name")
	# CI keeps only the end of the output: say why once more there.
	for f in "$@"; do
		[ -s "$f" ] && details+=("--- $name: the end of $f" "$(tail -n 10 "$f")")
	done
	return 0
}

run_target() {
	local target=$1 data
	data=$(mktemp -d "${TMPDIR:-/tmp}/faas-e2e-$target.XXXXXX")
	DATA_DIRS+=("$data")
	rm -f "$ART/$target-state.json"

	if ! start_server "$target" "$data" "$ART/$target-server-main.log"; then
		record "$target: start faas dev" 1
		return
	fi
	local rc=0
	run_phase "$target" main e2e/main.test.mjs || rc=$?
	record "$target: main" $rc "$ART/$target-main.txt" "$ART/$target-server-main.log"
	stop_server
	if [ $rc -ne 0 ]; then
		log "$target: server log: $ART/$target-server-main.log"
		return
	fi
	[ $restart -eq 1 ] || return 0

	if ! start_server "$target" "$data" "$ART/$target-server-after-restart.log"; then
		record "$target: restart faas dev on the same data" 1
		return
	fi
	rc=0
	run_phase "$target" after-restart e2e/after-restart.test.mjs || rc=$?
	record "$target: after-restart" $rc "$ART/$target-after-restart.txt" "$ART/$target-server-after-restart.log"
	stop_server
	[ $rc -eq 0 ] || log "$target: server log: $ART/$target-server-after-restart.log"
}

# run_walkthrough TARGET: the README's curl walk-through on fresh data.
run_walkthrough() {
	local target=$1 data
	data=$(mktemp -d "${TMPDIR:-/tmp}/faas-walkthrough-$target.XXXXXX")
	DATA_DIRS+=("$data")
	if ! start_server "$target" "$data" "$ART/$target-server-walkthrough.log"; then
		record "$target: start faas dev for the walk-through" 1
		return
	fi
	local rc=0
	log "$target: walkthrough: README curl walk-through against $URL"
	WALKTHROUGH_FAAS=${E2E_FAAS:-} "$ROOT/scripts/walkthrough.sh" "$URL" >"$ART/$target-walkthrough.txt" 2>&1 || rc=$?
	record "$target: README walk-through" $rc "$ART/$target-walkthrough.txt" "$ART/$target-server-walkthrough.log"
	stop_server
	if [ $rc -ne 0 ]; then
		tail -n 20 "$ART/$target-walkthrough.txt" >&2
		log "$target: transcript $ART/$target-walkthrough.txt, server log $ART/$target-server-walkthrough.log"
	fi
}

mkdir -p "$ART"
if [ $check_dist -eq 1 ]; then
	rc=0
	check_dist || rc=$?
	record "dist matches a fresh build" $rc
fi
if [ ${#targets[@]} -gt 0 ]; then
	ensure_chromium
	ensure_node_modules
	for t in "${targets[@]}"; do
		run_target "$t"
		[ $walkthrough -eq 0 ] || run_walkthrough "$t"
	done
fi

echo
printf '%s\n' "${results[@]}"
[ ${#details[@]} -eq 0 ] || printf '%s\n' "${details[@]}"
echo "e2e: $passed passed, $failed failed"
[ $failed -eq 0 ]
