#!/usr/bin/python3
"""Independent reference for the calendar tests: Debian's python3-croniter and python3-dateutil.

Command line (what a person runs to look at occurrences):
    croniter_reference.py CRON ZONE START COUNT [next|prev]
        CRON   five-field cron expression, e.g. '30 2 * * *'
        ZONE   IANA time zone, e.g. Europe/Berlin ('naive' evaluates on a bare wall clock)
        START  ISO 8601 instant with offset (or a bare wall clock when ZONE is 'naive')
        COUNT  how many occurrences to print
    prints one ISO instant per line.

Batch (what the tests run): 'croniter_reference.py --batch' reads one JSON request per line on stdin and
writes one JSON answer per line:
    {"op": "occurrences", "cron": ..., "zone": ..., "start": ..., "count": n, "direction": "next"|"prev"}
        -> {"ok": true, "result": [iso, ...]}       (zone "naive": bare wall clocks in and out)
    {"op": "active", "cron": ..., "zone": ..., "duration": seconds, "instants": [iso UTC, ...]}
        -> {"ok": true, "result": [bool, ...]}
       Argo CD's rule, written independently: shift the instant by the zone's UTC offset at that instant
       (dateutil), read the result as a bare wall clock, and call the window active when croniter's first
       occurrence after (wall - duration) is before wall.
    {"op": "offset", "zone": ..., "instants": [...]} -> {"ok": true, "result": [seconds, ...]}
Errors: {"ok": false, "error": "..."}.
"""
import json
import sys
from datetime import datetime, timedelta, timezone

from croniter import croniter
from dateutil import tz
from dateutil.parser import isoparse


def zone_of(name):
    if name in ("", "UTC"):
        return timezone.utc
    zone = tz.gettz(name)
    if zone is None:
        raise ValueError("unknown time zone " + name)
    return zone


def occurrences(cron, zone_name, start, count, direction):
    if zone_name == "naive":
        it = croniter(cron, isoparse(start).replace(tzinfo=None))
        step = it.get_prev if direction == "prev" else it.get_next
        return [step(datetime).isoformat() for _ in range(count)]
    zone = zone_of(zone_name)
    it = croniter(cron, isoparse(start).astimezone(zone))
    step = it.get_prev if direction == "prev" else it.get_next
    return [step(datetime).astimezone(timezone.utc).isoformat() for _ in range(count)]


def active(cron, zone_name, duration, instants):
    zone = zone_of(zone_name)
    answers = []
    for text in instants:
        instant = isoparse(text).astimezone(timezone.utc)
        offset = instant.astimezone(zone).utcoffset()
        wall = (instant + offset).replace(tzinfo=None)
        first = croniter(cron, wall - timedelta(seconds=duration)).get_next(datetime)
        answers.append(first < wall)
    return answers


def offsets(zone_name, instants):
    zone = zone_of(zone_name)
    return [int(isoparse(t).astimezone(zone).utcoffset().total_seconds()) for t in instants]


def answer(request):
    op = request["op"]
    if op == "occurrences":
        return occurrences(request["cron"], request["zone"], request["start"], request["count"], request.get("direction", "next"))
    if op == "active":
        return active(request["cron"], request["zone"], request["duration"], request["instants"])
    if op == "offset":
        return offsets(request["zone"], request["instants"])
    raise ValueError("unknown op " + op)


def main(argv):
    if len(argv) == 2 and argv[1] == "--batch":
        for line in sys.stdin:
            if not line.strip():
                continue
            try:
                result = {"ok": True, "result": answer(json.loads(line))}
            except Exception as error:  # the test reports it next to the request
                result = {"ok": False, "error": "%s: %s" % (type(error).__name__, error)}
            sys.stdout.write(json.dumps(result) + "\n")
        return 0
    if len(argv) in (5, 6):
        direction = argv[5] if len(argv) == 6 else "next"
        for instant in occurrences(argv[1], argv[2], argv[3], int(argv[4]), direction):
            print(instant)
        return 0
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
