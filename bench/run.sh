#!/usr/bin/env bash
# Benchmarks (figures, not pass/fail). Publishes the action in four variants, then measures:
#  (a) push and pull-request mode runs vs a minimal git CLI (+ curl) script, small repo
#  (b) the same on a repo with 20,000 commits and 2,000 files
#  (c) REST calls per run by mode
#  (d) --help start-up time and size per publish variant
#  (e) 20 concurrent push-mode runs on one repository: all landed?, p50/p95
# BENCH_ONLY=startup: only the small push (both methods, with and without renderers on PATH) against the script,
# wall and CPU time; BENCH_TOOL / BENCH_TOOL_B compare two builds interleaved in one run.
# Usage: bench/run.sh [runs]   (default 5; medians reported). Results: docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-5}"
out=bench/out
publish() { dotnet publish src/GitOpsDeploy/GitOpsDeploy.csproj -c Release -r linux-x64 -v quiet -nologo -o "$out/$1" "${@:2}" >/dev/null; }
publish framework-dependent --self-contained false
publish self-contained --self-contained true
publish self-contained-r2r --self-contained true -p:PublishReadyToRun=true
publish self-contained-r2r-trimmed --self-contained true -p:PublishReadyToRun=true -p:PublishTrimmed=true
publish dockerfile --self-contained true -p:PublishReadyToRun=true -p:PublishReadyToRunComposite=true -p:PublishTrimmed=true
# What the Dockerfile removes from the image (the LTTng tracing provider is loaded at start-up when present).
rm -f "$out/dockerfile/createdump" "$out/dockerfile/libmscordbi.so" "$out/dockerfile/libmscordaccore.so" "$out/dockerfile/libcoreclrtraceptprovider.so"
dotnet run --project bench/GitOpsDeploy.Bench -c Release -- "$out" "$runs"
