#!/usr/bin/env bash
# Container figures for docs/benchmarks.md, in one run: image size (uncompressed, and gzip as a registry
# pull transfers it), the application's own share of it, and --help start-up inside the container
# against a baseline (the same image running /bin/true: docker's own cost) and against the same
# binary copied out of the image and run on the host; the same for a whole push run (the embedded
# example). Medians of 5.
# Usage: bench/container.sh IMAGE
set -euo pipefail
image="$1"
ms() { local s e; s=$(date +%s%N); "$@" >/dev/null 2>&1 || true; e=$(date +%s%N); echo $(( (e - s) / 1000000 )); }
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
id=$(docker create "$image"); docker cp "$id":/app "$work/app" >/dev/null; docker rm "$id" >/dev/null

size=$(docker image inspect --format '{{.Size}}' "$image")
gz=$(docker save "$image" | gzip -c | wc -c)
app_gz=$(tar -C "$work" -c app | gzip -c | wc -c)
echo "image $image: $((size / 1000000)) MB uncompressed, $((gz / 1000000)) MB gzip; application /app: $(du -sm "$work/app" | cut -f1) MB, $((app_gz / 1000000)) MB gzip"

inside=$(for _ in 1 2 3 4 5; do ms docker run --rm --network host "$image" --help; done | median)
baseline=$(for _ in 1 2 3 4 5; do ms docker run --rm --network host --entrypoint /bin/true "$image"; done | median)
outside=$(for _ in 1 2 3 4 5; do ms "$work/app/gitops-deploy" --help; done | median)
echo "--help: ${inside} ms in the container, ${baseline} ms for docker run of /bin/true in the same image (so ~$((inside - baseline)) ms is ours), ${outside} ms for the same binary on the host"
# A whole push run: the embedded example clones, edits, commits and pushes a local gitops repository.
push_in=$(for _ in 1 2 3 4 5; do ms docker run --rm --network host "$image" example; done | median)
push_out=$(for _ in 1 2 3 4 5; do ms "$work/app/gitops-deploy" example; done | median)
echo "push run (gitops-deploy example): ${push_in} ms in the container (~$((push_in - baseline)) ms beyond docker run), ${push_out} ms on the host"
