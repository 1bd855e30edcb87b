#!/usr/bin/env bash
# Builds the PHP extension (release: a small .so) and writes build/php/iron_worker.ini, so that
#   PHP_INI_SCAN_DIR=:$PWD/build/php php script.php
# loads it (the leading ":" keeps Debian's own conf.d). The .so is copied to
# build/php/iron_worker.so, so a later cargo build never changes a file PHP has loaded.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$ROOT"

OUT="$ROOT/build/php"

echo "build-php: cargo build --release -p iron-worker-php"
cargo build -q --release -p iron-worker-php

mkdir -p "$OUT"
install -m 0644 "$CARGO_TARGET_DIR/release/libiron_worker_php.so" "$OUT/iron_worker.so.tmp"
mv -f "$OUT/iron_worker.so.tmp" "$OUT/iron_worker.so"
printf '; Written by scripts/build-php.sh; load with PHP_INI_SCAN_DIR=:%s\nextension=%s\n' \
  "$OUT" "$OUT/iron_worker.so" >"$OUT/iron_worker.ini"

PHP_INI_SCAN_DIR=":$OUT" php -r '
  if (!extension_loaded("iron_worker")) { fwrite(STDERR, "build-php: the extension did not load\n"); exit(1); }
  echo "build-php: iron_worker ", phpversion("iron_worker"), " loads with PHP ", PHP_VERSION, "\n";'
