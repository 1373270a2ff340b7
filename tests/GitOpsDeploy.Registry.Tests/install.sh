#!/usr/bin/env bash
# Installs what the registry tests need on a fresh Debian machine: a real registry (CNCF distribution 2.8,
# Debian's docker-registry) that each test class runs on its own loopback port, and skopeo to push the test
# images into it. Idempotent: installs only what is missing. Without them the real-registry tests report
# themselves skipped.
set -euo pipefail

need=()
[ -x /usr/bin/docker-registry ] || need+=(docker-registry)
command -v skopeo >/dev/null || need+=(skopeo)
[ ${#need[@]} -eq 0 ] && exit 0

sudo=()
[ "$(id -u)" -eq 0 ] || sudo=(sudo)
"${sudo[@]}" apt-get update -qq
# The package's own service (port 5000, /var/lib/docker-registry) is not used; policy-rc.d-less machines may start it.
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
