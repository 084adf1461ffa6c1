#!/usr/bin/env bash
# Lints ./Dockerfile with BuildKit's own checks (the rules `docker build --check` runs), built from
# the pinned module in deploy/tools/dockerfile-lint; needs Go, not Docker. What the image must
# contain is checked by test/unit/deploy/dockerfile-paths.test.ts.
# usage: deploy/checks/container.sh   (from any directory)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
"$root/deploy/tools/build.sh" dockerfile-lint || { echo "container: building dockerfile-lint failed (deploy/tools/build.sh dockerfile-lint)" >&2; exit 1; }
cd "$root"
if ! .tools/bin/dockerfile-lint Dockerfile; then
  echo "container: Dockerfile fails BuildKit's checks (above); see each rule's page" >&2
  exit 1
fi
echo "container: Dockerfile passes BuildKit's checks"
