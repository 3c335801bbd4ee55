#!/usr/bin/env bash
# The test command: every test of the project, on a machine with Go.
#
#   scripts/test.sh            everything: unit and in-process tests, the
#                              emulator-backed integration tests (-tags
#                              integration), the FerretDB module, bounded
#                              fuzzing, and the browser tests + README
#                              walk-through on faas dev and every emulated
#                              provider
#   scripts/test.sh --quick    only `go test -race ./...` (needs nothing but Go)
#
# It first installs what the package registries reachable here provide,
# when missing: jq and Chromium from Debian (when root), Azurite and the
# Playwright packages from npm (project-local, under .cache/ and
# examples/todo/web/node_modules). What it cannot install (moto_server,
# the gcloud Firestore emulator, Java, npm itself) it checks up front and,
# if any is missing, fails at once with one list of what to install.
#
# Environment: FUZZTIME (per fuzz target, default 10s), E2E_TARGETS
# (default "local aws gcp azure").
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" = "--quick" ]; then
	exec go test -race ./...
fi

say() { echo "== $*"; }
missing=()
need() { # need NAME HOW: records NAME as missing unless it is on PATH
	command -v "$1" >/dev/null 2>&1 || missing+=("$1 — $2")
}

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else return 1; fi; }
apt_install() { # apt_install CMD PKG: installs PKG from Debian when CMD is missing
	command -v "$1" >/dev/null 2>&1 && return 0
	say "installing $2 (Debian)"
	as_root apt-get update -qq >/dev/null 2>&1 || true
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$2" >/dev/null || true
}

need go "install Go 1.26+ (https://go.dev/dl)"
apt_install jq jq
apt_install chromium chromium
need jq "apt-get install jq (the README walk-through uses it)"
need chromium "apt-get install chromium (the browser tests drive Debian's Chromium)"
need npm "apt-get install nodejs npm (Azurite and Playwright come from npm)"
need moto_server "pip install 'moto[server]' (the AWS binding and deployer tests run against moto)"
need java "apt-get install default-jre-headless (the gcloud Firestore emulator is Java)"
if ! dpkg -L google-cloud-cli-firestore-emulator >/dev/null 2>&1 && ! command -v gcloud >/dev/null 2>&1; then
	missing+=("google-cloud-cli-firestore-emulator — apt-get install google-cloud-cli-firestore-emulator (Google Cloud SDK apt repository), or gcloud components install cloud-firestore-emulator")
fi
if [ ${#missing[@]} -gt 0 ]; then
	echo "test.sh: missing, so the integration tests cannot run:" >&2
	printf '  - %s\n' "${missing[@]}" >&2
	echo "test.sh: 'scripts/test.sh --quick' (or 'go test ./...') runs every in-process test with Go alone." >&2
	exit 1
fi

say "installing Azurite (npm, project-local)"
scripts/install-azurite.sh

say "go test -race -timeout 20m -tags integration ./..."
go test -race -timeout 20m -tags integration ./...

if [ -d providers/azurefunc/internal/mongotest ]; then
	say "Azure docstore test module (embedded FerretDB)"
	(cd providers/azurefunc/internal/mongotest && go vet ./... && go test ./...)
fi

if [ -x scripts/fuzz.sh ]; then
	say "bounded fuzzing of every event decoder (FUZZTIME=${FUZZTIME:-10s} each)"
	scripts/fuzz.sh
fi

if [ -x scripts/e2e.sh ]; then
	say "browser tests and the README walk-through: faas dev, then faas dev --emulate=<each provider>"
	mkdir -p .cache
	go build -o .cache/faas-e2e ./cmd/faas
	E2E_FAAS="$PWD/.cache/faas-e2e" scripts/e2e.sh --check-dist ${E2E_TARGETS:-local aws gcp azure}
fi
say "all tests passed"
