#!/usr/bin/env bash
# Builds the PHP extension and the local server, then runs the PHPUnit suite
# (bindings/php/tests) with the extension loaded. Each run starts its own server on a free
# port with a throwaway data dir (see bindings/php/tests/bootstrap.php). Extra arguments go
# to phpunit, e.g. scripts/test-php.sh --filter Tutorial.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$ROOT"

bash scripts/build-php.sh
echo "test-php: cargo build -p iron-worker-cli"
cargo build -q -p iron-worker-cli

# The suite must not pick up the developer's own credentials or ~/.iron.* files.
for var in $(env | sed -n 's/^\(IRON_[A-Z_]*\)=.*/\1/p'); do unset "$var"; done
HOME_DIR=$(mktemp -d)
trap 'rm -rf "$HOME_DIR"' EXIT

HOME="$HOME_DIR" IRON_WORKER_BIN="$CARGO_TARGET_DIR/debug/iron-worker" \
  PHP_INI_SCAN_DIR=":$ROOT/build/php" \
  php -d memory_limit=512M /usr/bin/phpunit -c bindings/php/tests/phpunit.xml "$@"
