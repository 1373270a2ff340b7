#!/usr/bin/env bash
# What the Adapter tests of this project need on a fresh machine: Debian's prometheus (the tests start their own
# /usr/bin/prometheus on a loopback port with a temporary config and storage; the packaged service is not used).
# Without it those tests report themselves skipped.
set -euo pipefail
if [ ! -x /usr/bin/prometheus ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null
fi
/usr/bin/prometheus --version 2>&1 | head -1
