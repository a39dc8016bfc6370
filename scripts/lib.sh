# Shared by scripts/run (`make run`) and scripts/serve (`make serve`): start the local
# search engine and mailbox, remember child processes, stop them all on the way out.
# Source it from the project root after setting PY. Local state goes to $VAR
# (WEGWEISER_VAR_DIR, as in config/settings.py; default var/).

VAR="${WEGWEISER_VAR_DIR:-var}"
pids=()
on_exit=()
cleanup() {
  trap - INT TERM EXIT
  rm -f "$VAR/run.env"
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true  # the search engine saves its data on the way out
  for step in "${on_exit[@]}"; do eval "$step" || true; done
}
trap cleanup INT TERM EXIT

# The local search engine (an Elasticsearch-compatible server from PyPI's noida-db,
# extra "local") with its data in $1, unless SEARCH_URL points at one already.
search_engine_start() {
  [ -z "${SEARCH_URL:-}" ] || return 0
  local data_dir="$1"
  SEARCH_PORT="${SEARCH_PORT:-9200}"
  local engine
  engine="$($PY -c 'import noida_db, os; print(os.path.join(os.path.dirname(noida_db.__file__), "noida-db"))')"
  mkdir -p "$data_dir"
  "$engine" start --only elasticsearch --host 127.0.0.1 --elasticsearch-port "$SEARCH_PORT" \
    --data-dir "$data_dir" > "$data_dir.log" 2>&1 &
  pids+=($!)
  export SEARCH_URL="http://127.0.0.1:${SEARCH_PORT}"
  $PY scripts/wait-for-url "$SEARCH_URL" 30 || { echo "search engine did not start, see $data_dir.log"; exit 1; }
}

# A local SMTP server that keeps every message in $VAR/mailbox/, unless EMAIL_URL (or
# EMAIL_HOST) says where mail goes. Sets mailbox_started=1 when it started one.
mailbox_started=""
mailbox_start() {
  [ -z "${EMAIL_URL:-}" ] && [ -z "${EMAIL_HOST:-}" ] || return 0
  MAIL_PORT="${MAIL_PORT:-1025}"
  mkdir -p "$VAR"
  local mailbox_dir log="$VAR/mailbox.log"
  mailbox_dir="$(cd "$VAR" && pwd)/mailbox"
  : > "$log"  # a "listening" line from the last run must not count
  $PY manage.py newsletter_mailbox --port "$MAIL_PORT" --dir "$mailbox_dir" > "$log" 2>&1 &
  local mailbox_pid=$!
  pids+=("$mailbox_pid")
  # The command prints its "listening" line once the port accepts connections.
  for _ in $(seq 150); do
    grep -q "listening on" "$log" && break
    kill -0 "$mailbox_pid" 2>/dev/null || break
    sleep 0.2
  done
  grep -q "listening on" "$log" || { echo "mailbox did not start, see $log"; exit 1; }
  export EMAIL_URL="smtp://127.0.0.1:${MAIL_PORT}"
  export NEWSLETTER_MAILBOX_DIR="$mailbox_dir"
  mailbox_started=1
}

# $1 task workers (`db_worker`), each restarted when it dies (scripts/supervise).
task_workers_start() {
  local i
  for i in $(seq "$1"); do
    scripts/supervise "task worker $i" -- $PY manage.py db_worker --queue-name '*' --no-reload &
    pids+=($!)
  done
}

# Commands typed in a second terminal (python manage.py …) read $VAR/run.env and use
# the same database, search engine, mailbox and addresses as the running site
# (config/settings.py). Removed by cleanup.
run_env_write() {
  mkdir -p "$VAR"
  (
    umask 077  # it may hold the secret key and database password
    for name in "$@"; do
      [ -z "${!name:-}" ] || printf '%s=%s\n' "$name" "${!name}"
    done > "$VAR/run.env"
  )
}
