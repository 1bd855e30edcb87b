#!/usr/bin/env bash
# Builds and installs the Ruby gem (scripts/build-ruby.sh), builds the local server, then runs
# the minitest suite against the INSTALLED gem (GEM_HOME=build/gems, no -I lib) and a real
# local server, and once more the conversion tests under GC.stress. Exits non-zero on failure.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"

bash scripts/build-ruby.sh
echo "test-ruby: cargo build -p iron-worker-cli"
cargo build -q -p iron-worker-cli

export GEM_HOME="$root/build/gems"

echo "test-ruby: RBS signatures"
ruby -e 'load Gem.bin_path("rbs", "rbs")' -- -I bindings/ruby/sig validate >/dev/null

if command -v yard >/dev/null 2>&1; then
  echo "test-ruby: YARD documentation coverage"
  yard_dir=$(mktemp -d)
  docs=$(cd "$yard_dir" && yard stats --no-save --list-undoc \
    "$root"/bindings/ruby/lib/iron_worker.rb "$root"/bindings/ruby/lib/iron_worker/*.rb)
  rm -rf "$yard_dir"
  echo "$docs" | grep -q "100.00% documented" || { echo "$docs"; exit 1; }
fi

echo "test-ruby: minitest suite"
ruby bindings/ruby/test/run.rb "$@"

echo "test-ruby: conversion tests under GC.stress"
IRON_WORKER_GC_STRESS=1 ruby bindings/ruby/test/run.rb
