#!/bin/sh
# Installs Azurite (the Azure Storage emulator, npm azurite 3.35.0) into
# .cache/azurite for the Azure blob binding tests. .ci/run calls this;
# tests fail with a pointer here when it is missing.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
dir="$root/.cache/azurite"
version=3.35.0
if [ -x "$dir/node_modules/.bin/azurite-blob" ] && grep -q "\"version\": \"$version\"" "$dir/node_modules/azurite/package.json" 2>/dev/null; then
	echo "azurite $version already in $dir"
	exit 0
fi
mkdir -p "$dir"
cd "$dir"
[ -f package.json ] || echo '{"name":"faas-azurite","private":true}' > package.json
npm install --no-audit --no-fund --loglevel=error "azurite@$version"
echo "azurite $version installed in $dir"
