#!/usr/bin/env bash
# Builds what the conformance suite needs (if not built already) and runs it.
set -euo pipefail
. "$(dirname "$0")/../../scripts/lib.sh"
cd "$ROOT"
cargo build -q -p iron-worker-cli
[ -x build/venv/bin/python ] || bash scripts/build-python.sh
[ -d build/gems ] || bash scripts/build-ruby.sh
[ -f build/php/iron_worker.ini ] || bash scripts/build-php.sh
python3 tests/conformance/run.py "$@"
