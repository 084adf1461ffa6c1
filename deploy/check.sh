#!/usr/bin/env bash
# Every check of what an operator deploys, with real tools built from the Go module proxy (pinned
# in deploy/tools; the first build takes minutes, later ones seconds): the Dockerfile (BuildKit's
# checks), the Kubernetes manifests (kustomize build, kubeconform against deploy/k8s/schemas), and
# the alert rules and dashboard (promtool check and test). The metric names they use are checked
# against a live /metrics by test/integration/ops/metric-names.test.ts.
# usage: deploy/check.sh   (from any directory)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
for check in container kubernetes prometheus; do
  start=$(date +%s)
  "$here/checks/$check.sh"
  echo "deploy: $check checked in $(( $(date +%s) - start )) s"
done
