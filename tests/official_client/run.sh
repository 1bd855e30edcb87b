#!/usr/bin/env bash
# Installs the official `iron-worker` client from PyPI into its own venv and runs
# test_official_client.py against a fresh local server (started by conftest.py).
set -euo pipefail
. "$(dirname "$0")/../../scripts/lib.sh"
cd "$ROOT"

cargo build -q -p iron-worker-cli

VENV="$ROOT/build/venv-official"
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
# The last release of the official client (2022); pinned so the test means the same thing.
"$VENV/bin/pip" install -q --disable-pip-version-check "iron-worker==1.3.8" pytest

IRON_WORKER_BIN="$CARGO_TARGET_DIR/debug/iron-worker" \
  "$VENV/bin/python" -m pytest -q -p no:cacheprovider tests/official_client "$@"
