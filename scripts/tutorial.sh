#!/usr/bin/env bash
# Runs the "Your First Worker" tutorial end to end, in Python, Ruby and PHP, against a local
# server on a free port with a throwaway data directory. Build output goes to a log file;
# the screen gets short progress lines. Exits non-zero, naming the step, if any step fails.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
cd "$ROOT"

LANGS="${TUTORIAL_LANGS:-python ruby php}"
WORK="$ROOT/build/tutorial"
LOG="$WORK/build.log"
rm -rf "$WORK"; mkdir -p "$WORK"
: >"$LOG"

step() { printf '==> %s\n' "$*"; }
fail() { printf 'FAILED: %s (see %s)\n' "$*" "$LOG" >&2; exit 1; }

cleanup() { stop_server; }
trap cleanup EXIT
trap 'echo; echo "interrupted"; exit 130' INT TERM

step "building the local server (log: $LOG)"
cargo build -q -p iron-worker-cli >>"$LOG" 2>&1 || fail "cargo build -p iron-worker-cli"

for lang in $LANGS; do
  step "building the $lang binding"
  bash "scripts/build-$lang.sh" >>"$LOG" 2>&1 || fail "scripts/build-$lang.sh"
done

TOKEN=$(random_hex 32)
PROJECT_ID=$(random_hex 24)
step "starting the local server"
start_server "$WORK/data" "$TOKEN" "$WORK/server.log" || fail "starting the local server"
echo "    listening on $SERVER_URL"

run_lang() {
  local lang="$1" dir="$WORK/$lang"
  local -a cmd
  case "$lang" in
    python) cmd=("$ROOT/build/venv/bin/python"); ext=py ;;
    ruby) cmd=(env "GEM_HOME=$ROOT/build/gems" ruby); ext=rb ;;
    php) cmd=(env "PHP_INI_SCAN_DIR=:$ROOT/build/php" php); ext=php ;;
  esac

  cp -r "$ROOT/examples/$lang" "$dir"
  write_config_ini "$dir/config.ini" "$TOKEN" "$PROJECT_ID" "$SERVER_HOST" "$SERVER_PORT"
  cd "$dir"

  step "[$lang] upload.$ext"
  "${cmd[@]}" "upload.$ext" || fail "[$lang] upload.$ext"

  step "[$lang] run.$ext --max=10"
  local out task
  out=$("${cmd[@]}" "run.$ext" --max=10) || fail "[$lang] run.$ext"
  echo "$out" | sed 's/^/    /'
  task=$(echo "$out" | grep -oE '[0-9a-f]{24}' | tail -n 1)
  [ -n "$task" ] || fail "[$lang] run.$ext printed no task id"

  step "[$lang] checkTask.$ext --task=$task (until complete)"
  local status="" i
  for i in $(seq 1 120); do
    status=$("${cmd[@]}" "checkTask.$ext" --task="$task") || fail "[$lang] checkTask.$ext"
    case "$status" in
      *complete*) break ;;
      *error*|*cancelled*|*timeout*) fail "[$lang] task ended as: $status" ;;
    esac
    sleep 0.5
  done
  echo "    $status"
  case "$status" in *complete*) ;; *) fail "[$lang] task not complete after 60 s: $status" ;; esac

  step "[$lang] getLog.$ext --task=$task"
  "${cmd[@]}" "getLog.$ext" --task="$task" | sed 's/^/    /'
  [ "${PIPESTATUS[0]}" -eq 0 ] || fail "[$lang] getLog.$ext"
  cd "$ROOT"
}

for lang in $LANGS; do
  run_lang "$lang"
done
step "tutorial complete in: $LANGS"
