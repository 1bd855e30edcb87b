#!/usr/bin/env bash
# Builds the Python binding and the local server, then runs the pytest suite against a fresh
# server (started by the suite's fixture on a free port). Extra arguments go to pytest.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$ROOT"

bash scripts/build-python.sh
# mypy: its stubtest checks iron_worker/__init__.pyi against the built module.
"$ROOT/build/venv/bin/python" -m pip install -q --disable-pip-version-check mypy
echo "test-python: building the local server (cargo build -p iron-worker-cli)"
cargo build -q -p iron-worker-cli

"$ROOT/build/venv/bin/python" -m pytest bindings/python/tests -q "$@"
