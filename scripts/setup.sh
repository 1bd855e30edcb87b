#!/usr/bin/env bash
# Installs what the build and the tests need, only when it is missing.
# Debian packages: interpreters, headers and libclang for the bindings, test runners.
# PyPI packages: maturin (the Python build backend) and pytest.
set -euo pipefail

need_apt=()
have() { command -v "$1" >/dev/null 2>&1; }
dpkg_has() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "ok installed"; }

for pkg in ruby ruby-dev ruby-minitest yard php-cli php-dev clang libclang-dev phpunit unzip zip curl; do
  dpkg_has "$pkg" || need_apt+=("$pkg")
done

if [ ${#need_apt[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${need_apt[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

PY="${PYTHON:-python3}"
for mod in maturin pytest; do
  if ! "$PY" -c "import $mod" >/dev/null 2>&1; then
    echo "setup: installing $mod from PyPI"
    "$PY" -m pip install -q "$mod"
  fi
done
