#!/usr/bin/env bash
# Builds pinned checking tools from the Go module proxy into .tools/bin. Each NAME is a folder here
# with its own go.mod and go.sum (one per tool, so their dependency graphs never meet) and a file
# `package` naming the main package to build. Go's build cache makes a second build quick.
# usage: deploy/tools/build.sh NAME...
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
command -v go >/dev/null 2>&1 || { echo "deploy/tools: Go 1.24+ is required to build the checking tools" >&2; exit 1; }
mkdir -p "$root/.tools/bin"
for name in "$@"; do
  [ -f "$here/$name/package" ] || { echo "deploy/tools: no tool '$name' (no $here/$name/package)" >&2; exit 1; }
  pkg=$(tr -d '[:space:]' < "$here/$name/package")
  (cd "$here/$name" && GOFLAGS=-mod=readonly go build -trimpath -o "$root/.tools/bin/$name" "$pkg")
done
