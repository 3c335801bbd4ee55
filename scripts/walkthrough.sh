#!/usr/bin/env bash
# Runs the README's "Walk-through with curl" block, unchanged except for
# its base URL, against a running app and checks what each step answers.
#
# usage: scripts/walkthrough.sh URL
#
#   URL   where `faas dev` (or `faas dev --emulate=X`) serves examples/todo
#         on a fresh data directory, e.g. http://127.0.0.1:8080
#
# The block is taken from README.md at run time, so the README cannot drift
# from what is tested. Two substitutions only: U=... points at URL, and
# `--dir examples/todo` (where faas invoke finds the app) becomes
# `--url URL`. Prints the transcript; exits non-zero if a check fails.
# Environment: WALKTHROUGH_FAAS replaces `go run ./cmd/faas`.
set -euo pipefail

URL=${1:?usage: scripts/walkthrough.sh URL}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
command -v jq >/dev/null || { echo "walkthrough: jq is missing (apt-get install jq); the README uses it" >&2; exit 1; }

script=$(awk '/^## Walk-through with curl/{f=1;next} f&&/^```sh/{g=1;next} g&&/^```/{exit} g' "$ROOT/README.md")
[ -n "$script" ] || { echo "walkthrough: no sh block under '## Walk-through with curl' in README.md" >&2; exit 1; }
script=$(printf '%s\n' "$script" | sed -e "s#^U=http://127.0.0.1:8080\$#U=$URL#" -e "s#--dir examples/todo#--url $URL#")
if [ -n "${WALKTHROUGH_FAAS:-}" ]; then
	script=$(printf '%s\n' "$script" | sed -e "s#go run ./cmd/faas#$WALKTHROUGH_FAAS#")
fi

out=$(cd "$ROOT" && bash -euo pipefail -c "$script" 2>&1) || {
	printf '%s\n' "$out"
	echo "walkthrough: the block failed" >&2
	exit 1
}
printf '%s\n' "$out"

failed=0
expect() { # expect WHAT SUBSTRING
	if ! grep -qF -- "$2" <<<"$out"; then
		echo "walkthrough: FAIL: $1: no '$2' in the output" >&2
		failed=1
	fi
}
expect "the list shows the new to-do" '"title":"Buy milk"'
expect "completing it" '"done":true'
expect "the attachment upload" '"name":"receipt.txt","size":9,"content_type":"text/plain"'
expect "the attachment download" 'paid 2.49'
expect "the to-do lists its attachment" '"name": "receipt.txt"'
expect "the other user gets 404" '"code":"not_found"'
expect "a stale revision is a conflict" '"code":"conflict"'
expect "faas invoke of the schedule" 'purge: ok'
expect "faas invoke --topic" 'published to events (1 subscriber(s))'

# The stats are kept by a message subscriber, so they may lag the requests
# that caused them: wait for them to settle (10s at most).
token=$(curl -s -X POST "$URL/_faas/oidc/token" -d grant_type=password -d username=alice | jq -r .access_token)
want='{"created":2,"completed":1,"deleted":0}' # the README's to-do, plus the invoked todo.created event e9
for _ in $(seq 1 50); do
	stats=$(curl -s "$URL/api/stats" -H "Authorization: Bearer $token")
	[ "$stats" = "$want" ] && break
	sleep 0.2
done
if [ "$stats" != "$want" ]; then
	echo "walkthrough: FAIL: stats settled at $stats; want $want" >&2
	failed=1
fi
[ $failed -eq 0 ] && echo "walkthrough: every step answered as the README says"
exit $failed
