#!/usr/bin/env bash
# What the calendar tests need besides the .NET SDK: the independent cron reference (Debian's croniter and
# dateutil, run with Debian's /usr/bin/python3, not a pyenv python) and the tz database. Without them the
# reference tests are skipped (visibly), not failed.
set -euo pipefail
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
export DEBIAN_FRONTEND=noninteractive
if ! /usr/bin/python3 -c 'import croniter, dateutil' 2>/dev/null || [ ! -d /usr/share/zoneinfo/Europe ]; then
  $SUDO apt-get update -qq
  $SUDO apt-get install -y --no-install-recommends python3 python3-croniter python3-dateutil tzdata
fi
/usr/bin/python3 -c 'import croniter, dateutil; print("croniter", getattr(croniter, "__version__", "?"), "dateutil", dateutil.__version__)'
