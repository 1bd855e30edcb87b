# Shared shell helpers for the project's scripts. Source it; it defines functions only.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"

# A random hex string of $1 characters (token, project id).
random_hex() {
  python3 -c "import secrets,sys; print(secrets.token_hex(int(sys.argv[1]) // 2))" "$1"
}

# start_server DATA_DIR TOKEN LOG: starts the local server on a free loopback port.
# Sets SERVER_PID and SERVER_URL, SERVER_HOST, SERVER_PORT. Fails after 60 s without the
# "listening on" line.
start_server() {
  local data_dir="$1" token="$2" log="$3"
  local bin="$CARGO_TARGET_DIR/debug/iron-worker"
  mkdir -p "$data_dir"
  "$bin" serve --host 127.0.0.1 --port 0 --data-dir "$data_dir" --token "$token" >"$log" 2>&1 &
  SERVER_PID=$!
  local i
  for i in $(seq 1 600); do
    SERVER_URL=$(sed -n 's/^iron-worker: listening on \(http[^ ]*\).*/\1/p' "$log" | head -n 1)
    if [ -n "$SERVER_URL" ]; then
      SERVER_HOST=$(echo "$SERVER_URL" | sed 's#http://\([^:]*\):.*#\1#')
      SERVER_PORT=$(echo "$SERVER_URL" | sed 's#.*:\([0-9]*\).*#\1#')
      return 0
    fi
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
      echo "the local server exited at start; its log ($log):" >&2
      tail -n 20 "$log" >&2
      return 1
    fi
    sleep 0.1
  done
  echo "the local server did not start listening within 60 s; see $log" >&2
  return 1
}

stop_server() {
  if [ -n "${SERVER_PID:-}" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  SERVER_PID=""
}

# write_config_ini FILE TOKEN PROJECT_ID HOST PORT: the tutorial's config.ini for the local server.
write_config_ini() {
  cat >"$1" <<INI
[iron_worker]
token = $2
project_id = $3
host = $4
port = $5
protocol = http
INI
}
