#!/usr/bin/env bash
# Installs the reference verifier (sigstore-js) and the mock Sigstore services that the differential
# tests of GitOpsDeploy.Sigstore run, from package-lock.json. SIGSTORE_NODE_MODULES names the
# node_modules folder to fill (default: node_modules next to this script); the tests read the same
# variable. Needs node and npm.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
modules="${SIGSTORE_NODE_MODULES:-$here/node_modules}"
if [ "$(basename "$modules")" != node_modules ]; then
  echo "SIGSTORE_NODE_MODULES must name a folder called node_modules (got $modules)" >&2
  exit 2
fi
prefix="$(dirname "$modules")"
mkdir -p "$prefix"
if [ "$(cd "$prefix" && pwd)" != "$here" ]; then
  cp "$here/package.json" "$here/package-lock.json" "$prefix/"
fi
# The packages declare node >= 22 but run on Debian's node 20 for what the tests use: warn, don't fail.
npm ci --prefix "$prefix" --no-audit --no-fund --loglevel=error --engine-strict=false
