#!/usr/bin/env bash
# Creates test/inference-server/.venv from requirements.txt (once, or when it changes): the Triton
# server the remote-backend tests run (serve.py). Linux x86_64 with glibc 2.35+ and Python 3.8-3.13.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="$here/.venv"
python="${PYTHON:-python3.11}"
command -v "$python" >/dev/null 2>&1 || python=python3
stamp="$venv/.requirements.sha256"
want="$(sha256sum "$here/requirements.txt" | cut -d' ' -f1)"
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "inference server: installing pinned requirements into $venv" >&2
  rm -rf "$venv"
  "$python" -m venv "$venv"
  # --no-deps: the wheel's own Python client and its dependencies are not needed, only its server.
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps -r "$here/requirements.txt"
  echo "$want" > "$stamp"
fi
