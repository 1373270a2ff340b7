#!/usr/bin/env bash
# Container figures for docs/benchmarks.md: image size (uncompressed, and gzip as a registry pull is),
# start-up of --help inside the container vs the same published binary on the host, median of 5.
# Usage: bench/container.sh IMAGE [HOST_BINARY]
set -euo pipefail
image="$1"; host_binary="${2:-}"
ms() { local s e; s=$(date +%s%N); "$@" >/dev/null 2>&1 || true; e=$(date +%s%N); echo $(( (e - s) / 1000000 )); }
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
size=$(docker image inspect --format '{{.Size}}' "$image")
gz=$(docker save "$image" | gzip -c | wc -c)
app=$(docker history --no-trunc --format '{{.Size}} {{.CreatedBy}}' "$image" | grep -m1 'COPY --from=build /app' | awk '{print $1}' || true)
echo "image $image: $((size / 1000000)) MB uncompressed, $((gz / 1000000)) MB gzip (what a pull transfers), app layer ${app:-?}"
inside=$(for _ in 1 2 3 4 5; do ms docker run --rm --network host "$image" --help; done | median)
echo "--help inside the container: ${inside} ms (docker run included, median of 5)"
if [ -n "$host_binary" ] && [ -x "$host_binary" ]; then
  outside=$(for _ in 1 2 3 4 5; do ms "$host_binary" --help; done | median)
  echo "--help of the same binary on the host: ${outside} ms (median of 5); ratio $(awk -v a="$inside" -v b="$outside" 'BEGIN { printf "%.1fx", a / (b > 0 ? b : 1) }')"
fi
