#!/usr/bin/env bash
# Builds the Ruby gem from this checkout and installs it into build/gems, offline.
#
#   scripts/build-ruby.sh        # then: GEM_HOME=build/gems ruby -e 'require "iron_worker"'
#
# The gem is a source gem: `gem install` runs ext/iron_worker/extconf.rb, whose Makefile
# builds the extension with cargo. CARGO_TARGET_DIR (default: this repository's target/) is
# honoured so the gem reuses what the workspace already compiled. Only GEM_HOME is set:
# GEM_PATH keeps Debian's gem directories (minitest lives there).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$root/build/ruby"
stage="$out/gem-src"
version="$(ruby -e 'require ARGV[0]; print IronWorker::VERSION' "$root/bindings/ruby/lib/iron_worker/version.rb")"
gem_file="$out/iron_worker-$version.gem"

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"

echo "build-ruby: staging the gem sources in ${stage#"$root"/}"
ruby "$root/bindings/ruby/tools/stage_gem.rb" "$root" "$stage"

echo "build-ruby: gem build"
# A fixed timestamp makes the .gem reproducible, so an unchanged gem is not reinstalled.
(cd "$stage" && SOURCE_DATE_EPOCH=315532800 gem build --silent iron_worker.gemspec --output "$gem_file")

checksum="$(sha256sum "$gem_file" | cut -d' ' -f1)"
stamp="$out/installed.sha256"
if [ "${IRON_WORKER_FORCE_INSTALL:-0}" != 1 ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$checksum" ] \
  && GEM_HOME="$root/build/gems" ruby -e 'require "iron_worker"' >/dev/null 2>&1; then
  echo "build-ruby: $(basename "$gem_file") unchanged and installed (IRON_WORKER_FORCE_INSTALL=1 reinstalls)"
  exit 0
fi

echo "build-ruby: gem install --local into build/gems (cargo build, release profile)"
rm -f "$stamp"
GEM_HOME="$root/build/gems" gem install --local --no-document --silent "$gem_file"
echo "$checksum" >"$stamp"

echo "build-ruby: installed $(basename "$gem_file") ($(du -h "$gem_file" | cut -f1) gem)"
