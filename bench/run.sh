#!/usr/bin/env bash
# Runs every benchmark (bench/README.md) and writes bench/RESULTS.md and bench/ratios.png.
#
#   bash bench/run.sh            # the full run (about 5 minutes of measuring, plus the builds)
#   bash bench/run.sh --quick    # everything scaled down, a smoke run of a minute or two
#   bash bench/run.sh --only 3,4 # some items only
#
# Installs what it compares against when missing (Debian php-zip, ruby-zip, zip, curl; the
# official `iron-worker` client, requests and matplotlib from PyPI into build/venv-bench),
# builds the release server and the three bindings, then runs bench/bench.py. Generated data
# goes to bench/out/ (ignored by git). Not part of `make test`: nothing here asserts a time.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
OUT="$ROOT/bench/out"
mkdir -p "$OUT"
started=$(date +%s)

step() { echo "bench: $*"; }

# Runs a build step, once more if it fails: other builds share target/, and a concurrent
# maturin or cargo run can move a file from under this one.
build() {
  "$@" >"$OUT/build.log" 2>&1 && return 0
  step "retrying after a failed build step: $*"
  sleep 5
  "$@" >"$OUT/build.log" 2>&1 && return 0
  tail -n 30 "$OUT/build.log" >&2
  echo "bench: build step failed: $* (log: bench/out/build.log)" >&2
  return 1
}

# Build tools for the bindings (ruby-dev, php-dev, libclang, maturin, ...), when missing.
bash scripts/setup.sh

# The comparison tools, when missing.
dpkg_has() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "ok installed"; }
need_apt=()
for pkg in php-zip ruby-zip zip curl; do
  dpkg_has "$pkg" || need_apt+=("$pkg")
done
if [ ${#need_apt[@]} -gt 0 ]; then
  step "installing Debian packages: ${need_apt[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends \
    "${need_apt[@]}" >/dev/null
fi

VENV="$ROOT/build/venv-bench"
if [ ! -x "$VENV/bin/python" ]; then
  step "creating $VENV"
  python3 -m venv "$VENV"
fi
# The official client is pinned to its last release so the comparison means the same thing.
if ! "$VENV/bin/python" -c "import iron_worker, requests, matplotlib" >/dev/null 2>&1; then
  step "installing iron-worker==1.3.8, requests, matplotlib into build/venv-bench"
  "$VENV/bin/pip" install -q --disable-pip-version-check "iron-worker==1.3.8" requests matplotlib
fi

step "building the release server (cargo build --release -p iron-worker-cli)"
build cargo build -q --release -p iron-worker-cli

step "building the raw HTTP floor"
build rustc -O --edition 2021 bench/rust/raw_http.rs -o "$OUT/raw_http"

step "building the bindings (release)"
build bash scripts/build-python.sh
build bash scripts/build-ruby.sh
build bash scripts/build-php.sh

# Snapshots of the three built bindings, loaded from bench/out: a rebuild of build/ by
# someone else mid-run (shared machines) then cannot swap a library under a running agent.
rm -rf "$OUT/ours-py" "$OUT/ours-gems" "$OUT/ours-php"
mkdir -p "$OUT/ours-py" "$OUT/ours-php"
py_package="$("$ROOT/build/venv/bin/python" -c \
  'import iron_worker, os; print(os.path.dirname(iron_worker.__file__))')"
cp -a "$py_package" "$OUT/ours-py/"
cp -a "$ROOT/build/gems" "$OUT/ours-gems"
cp "$ROOT/build/php/iron_worker.so" "$OUT/ours-php/iron_worker.so"
printf 'extension=%s\n' "$OUT/ours-php/iron_worker.so" >"$OUT/ours-php/iron_worker.ini"

step "setup took $(( $(date +%s) - started )) s; measuring"
"$VENV/bin/python" bench/bench.py "$@"
step "done in $(( $(date +%s) - started )) s"
