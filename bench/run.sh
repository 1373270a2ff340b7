#!/usr/bin/env bash
# Benchmarks (figures, not pass/fail): publish the action as the Dockerfile does, then compare it
# with a minimal git CLI script on a small and a large (20,000 commits, 2,000 files) gitops repo.
# Usage: bench/run.sh [runs]   (default 5; medians reported)
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet publish src/GitOpsDeploy/GitOpsDeploy.csproj -c Release -r linux-x64 --self-contained true -p:PublishReadyToRun=true -o bench/out/app -v quiet -nologo >/dev/null
dotnet run --project bench/GitOpsDeploy.Bench -c Release -- bench/out/app/gitops-deploy "${1:-5}"
