#!/usr/bin/env bash
# Builds deploy/k8s (the base and every overlay) with kustomize and validates the output and the
# raw files with kubeconform against the schemas kept in deploy/k8s/schemas only: no network, and
# a kind without a schema there fails. -strict refuses unknown fields, so a misspelt one fails.
# kustomize and kubeconform are built from the pinned modules in deploy/tools.
# usage: deploy/checks/kubernetes.sh   (from any directory)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
k8s="$root/deploy/k8s"
"$root/deploy/tools/build.sh" kustomize kubeconform || { echo "kubernetes: building kustomize and kubeconform failed (deploy/tools/build.sh)" >&2; exit 1; }
bin="$root/.tools/bin"

# The Kubernetes version is the one the schemas were generated for (deploy/k8s/schemas/README.md).
versions=("$k8s"/schemas/v*-standalone-strict)
[ "${#versions[@]}" -eq 1 ] && [ -d "${versions[0]}" ] || { echo "kubernetes: expected exactly one deploy/k8s/schemas/v<version>-standalone-strict folder" >&2; exit 1; }
version=$(basename "${versions[0]}" -standalone-strict); version=${version#v}

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cd "$k8s"
for dir in base overlays/*/; do
  dir=${dir%/}
  built="$out/kustomize-build-${dir//\//-}.yaml"
  "$bin/kustomize" build "$dir" > "$built" || { echo "kubernetes: kustomize build deploy/k8s/$dir failed (above)" >&2; exit 1; }
done
# Raw files too: every manifest and patch, so that none escapes because no kustomization uses it.
mapfile -t raw < <(find base overlays -name '*.yaml' ! -name kustomization.yaml | sort)
if ! "$bin/kubeconform" -strict -summary -kubernetes-version "$version" -schema-location "$k8s/schemas" "$out"/*.yaml "${raw[@]}"; then
  echo "kubernetes: manifests fail validation against deploy/k8s/schemas (Kubernetes $version, above)" >&2
  exit 1
fi
echo "kubernetes: deploy/k8s builds and validates (Kubernetes $version)"
