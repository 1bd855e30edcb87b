#!/usr/bin/env bash
# Runs every test suite: Rust (core, server, CLI), Python, Ruby, PHP, the official-client check
# and the cross-language conformance suite. Runs them all, then exits non-zero if any failed,
# naming each failed suite. TEST_SUITES="rust python" runs a subset.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
cd "$ROOT"

SUITES="${TEST_SUITES:-rust python ruby php official conformance}"
failed=()
passed=()

run_suite() {
  local name="$1"; shift
  echo
  echo "======== $name ========"
  if "$@"; then passed+=("$name"); else failed+=("$name"); fi
}

suite_rust() {
  cargo fmt --all -- --check || { echo "cargo fmt --check: run cargo fmt --all"; return 1; }
  cargo clippy -q --all-targets -- -D warnings || return 1
  cargo test -q
}

suite_official() {
  [ -f tests/official_client/run.sh ] || { echo "no official-client suite yet"; return 0; }
  bash tests/official_client/run.sh
}

suite_conformance() {
  [ -f tests/conformance/run.sh ] || { echo "no conformance suite yet"; return 0; }
  bash tests/conformance/run.sh
}

for s in $SUITES; do
  case "$s" in
    rust) run_suite rust suite_rust ;;
    python|ruby|php)
      if [ -f "scripts/test-$s.sh" ]; then run_suite "$s" bash "scripts/test-$s.sh"
      else echo "no $s suite yet"; fi ;;
    official) run_suite official suite_official ;;
    conformance) run_suite conformance suite_conformance ;;
    *) echo "unknown suite: $s"; failed+=("$s") ;;
  esac
done

echo
echo "======== summary ========"
echo "suites passed: ${passed[*]:-none}"
if [ ${#failed[@]} -gt 0 ]; then
  echo "suites FAILED: ${failed[*]}"
  exit 1
fi
