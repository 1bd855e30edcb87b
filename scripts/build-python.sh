#!/usr/bin/env bash
# Builds the Python binding and installs it into build/venv (created if missing).
# The wheel is built by maturin through pip (PEP 517), in the shared target dir; only pip's
# and cargo's errors reach the screen.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$ROOT"

PY="${PYTHON:-python3}"
VENV="$ROOT/build/venv"

if [ ! -x "$VENV/bin/python" ]; then
  echo "build-python: creating $VENV"
  "$PY" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install -q --disable-pip-version-check maturin pytest

# maturin must be on PATH for a build without isolation (which skips a download per build).
echo "build-python: building and installing bindings/python (maturin, release)"
PATH="$VENV/bin:$PATH" "$VENV/bin/python" -m pip install -q --disable-pip-version-check \
  --no-build-isolation --no-deps --force-reinstall ./bindings/python

"$VENV/bin/python" -c "import iron_worker; print('build-python: iron_worker', iron_worker.__version__, 'installed in build/venv')"
