#!/usr/bin/env bash
# A local mirror of the two downloads Dockerfile.renderers makes, with the layout and checksum files of
# dl.k8s.io and get.helm.sh, made from this machine's kubectl and helm (no release host can be reached here).
# Prints the two build arguments that point Dockerfile.renderers at it once it is served from DIR at URL:
#   .ci/renderers-mirror.sh DIR http://127.0.0.1:PORT
# kubectl: the first on PATH (gcloud's version dispatcher is resolved to the real binary beside it);
# helm: HELM_PATH, else the first on PATH. Exits 3 when either is missing.
set -euo pipefail
dir="$1" url="$2"
kubectl=$(command -v kubectl || true)
[ -n "$kubectl" ] || { echo "renderers-mirror: no kubectl on PATH" >&2; exit 3; }
kubectl=$(readlink -f "$kubectl")
client=$("$kubectl" version --client 2>/dev/null)
version=$(echo "$client" | sed -n 's/^Client Version: v\([0-9]*\.[0-9]*\).*/\1/p')
case "$client" in *dispatcher*) [ -x "$kubectl.$version" ] && kubectl="$kubectl.$version" ;; esac
helm="${HELM_PATH:-$(command -v helm || true)}"
[ -n "$helm" ] && [ -x "$helm" ] || { echo "renderers-mirror: no helm (HELM_PATH or PATH)" >&2; exit 3; }
helm_version=$("$helm" version --template '{{.Version}}')
mkdir -p "$dir/helm/linux-amd64"
cp "$kubectl" "$dir/kubectl"
sha256sum "$dir/kubectl" | cut -d ' ' -f 1 > "$dir/kubectl.sha256"
cp "$helm" "$dir/helm/linux-amd64/helm"
tarball="helm-$helm_version-linux-amd64.tar.gz"
tar -C "$dir/helm" -czf "$dir/$tarball" linux-amd64
rm -rf "$dir/helm"
(cd "$dir" && sha256sum "$tarball" > "$tarball.sha256sum")
echo "--build-arg KUBECTL_URL=$url/kubectl --build-arg HELM_URL=$url/$tarball"
