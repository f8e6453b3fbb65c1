#!/usr/bin/env bash
# A standalone RabbitMQ node (Debian's rabbitmq-server) on 127.0.0.1, with its own state directory, config and
# plugins (management, prometheus); not the system service.
#
#   bash infra/local/rabbitmq.sh start     start the node unless it already runs, wait until it answers
#   bash infra/local/rabbitmq.sh stop      stop the node this script started (exactly that node name)
#   bash infra/local/rabbitmq.sh restart   stop, then start again with the same data
#   bash infra/local/rabbitmq.sh status    exit 0 when the node answers, 3 when it does not
#
# Settings: see lib.sh (state directory, node name, ports).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

readonly STARTED_FILE="$RABBITMQ_DIR/started.env"
readonly LAUNCH_PID_FILE="$RABBITMQ_DIR/launcher.pid"
readonly STARTUP_LOG="$RABBITMQ_DIR/log/startup.log"

# Prefer the node a previous start recorded, so that stop and status address exactly what was started.
NODE="$RABBITMQ_NODENAME_DEFAULT"
if [[ -f "$STARTED_FILE" ]]; then
  recorded_node="$(sed -n 's/^node=//p' "$STARTED_FILE")"
  NODE="${recorded_node:-$NODE}"
fi

# Debian's /usr/sbin/rabbitmq-* wrappers switch to the rabbitmq user (whose HOME, cookie and permissions differ);
# the scripts they wrap run the node as the calling user with the environment below.
find_rabbitmq_bin_dir() {
  if [[ -x /usr/lib/rabbitmq/bin/rabbitmq-server ]]; then
    echo /usr/lib/rabbitmq/bin
  elif command -v rabbitmq-server >/dev/null 2>&1 &&
    ! grep -q 'su rabbitmq' "$(command -v rabbitmq-server)" 2>/dev/null; then
    dirname "$(command -v rabbitmq-server)"
  else
    return 1
  fi
}

ensure_installed() {
  if ! RMQ_BIN="$(find_rabbitmq_bin_dir)"; then
    log "rabbitmq-server is not installed; installing it with apt-get"
    apt_install rabbitmq-server
    RMQ_BIN="$(find_rabbitmq_bin_dir)" || die "rabbitmq-server is still missing after apt-get install"
  fi
  ensure_curl
}

# Server and CLI authenticate with the Erlang cookie in $HOME. Create it before any CLI call: a CLI that ran first
# would otherwise create a different one than the server.
ensure_cookie() {
  local cookie="$HOME/.erlang.cookie"
  if [[ ! -s "$cookie" ]]; then
    # 20 random bytes as 40 letters A-P (a cookie is plain ASCII). No stage of this pipeline stops reading early:
    # `tr </dev/urandom | head` would kill tr with SIGPIPE, which pipefail and set -e turn into a silent exit 141.
    (umask 077 && head -c 20 /dev/urandom | od -An -tx1 -v | tr -d ' \n' | tr '0-9a-f' 'A-P' >"$cookie")
    [[ -s "$cookie" ]] || die "could not write the Erlang cookie $cookie"
    chmod 400 "$cookie"
  fi
}

rabbitmq_env() {
  export RABBITMQ_NODENAME="$NODE"
  export RABBITMQ_USE_LONGNAME=false
  export RABBITMQ_NODE_IP_ADDRESS="$TRIBUTARY_HOST"
  export RABBITMQ_NODE_PORT="$AMQP_PORT"
  export RABBITMQ_DIST_PORT=$((AMQP_PORT + 20000))
  export RABBITMQ_MNESIA_BASE="$RABBITMQ_DIR/mnesia"
  export RABBITMQ_LOG_BASE="$RABBITMQ_DIR/log"
  export RABBITMQ_CONFIG_FILE="$RABBITMQ_DIR/rabbitmq.conf"
  export RABBITMQ_ADVANCED_CONFIG_FILE="$RABBITMQ_DIR/advanced.config"
  export RABBITMQ_ENABLED_PLUGINS_FILE="$RABBITMQ_DIR/enabled_plugins"
  export RABBITMQ_PID_FILE="$RABBITMQ_DIR/rabbitmq.pid"
  # Keep /etc/rabbitmq/rabbitmq-env.conf (the system node's settings) out of this node.
  export RABBITMQ_CONF_ENV_FILE="$RABBITMQ_DIR/rabbitmq-env.conf"
  # Erlang distribution and epmd on loopback too.
  export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
  export ERL_EPMD_ADDRESS="$TRIBUTARY_HOST"
}

ctl() {
  "$RMQ_BIN/rabbitmqctl" -n "$NODE" "$@" 9>&-
}

node_answers() {
  ctl -q ping >/dev/null 2>&1
}

management_answers() {
  curl -fsS -o /dev/null --max-time 5 -u guest:guest "http://$TRIBUTARY_HOST:$MANAGEMENT_PORT/api/overview" 2>/dev/null
}

write_config() {
  mkdir -p "$RABBITMQ_DIR/mnesia" "$RABBITMQ_DIR/log"
  : >"$RABBITMQ_CONF_ENV_FILE"
  cat >"$RABBITMQ_CONFIG_FILE" <<CONF
# Written by infra/local/rabbitmq.sh at every start; edit the script, not this file.
listeners.tcp.default = $TRIBUTARY_HOST:$AMQP_PORT
management.tcp.ip = $TRIBUTARY_HOST
management.tcp.port = $MANAGEMENT_PORT
prometheus.tcp.ip = $TRIBUTARY_HOST
prometheus.tcp.port = $PROMETHEUS_PORT
log.console = false
log.file.level = info
# Management statistics (queue message counts, connection lists) sampled every second instead of every 5 s:
# the management API then lags about 1-2 s behind the broker instead of about 5 s, and tests wait less.
collect_statistics_interval = 1000
management.sample_retention_policies.global.minute = 1
management.sample_retention_policies.basic.minute = 1
management.sample_retention_policies.detailed.10 = 1
CONF
  # Enabling plugins offline: the node reads this file at boot.
  echo '[rabbitmq_management,rabbitmq_prometheus].' >"$RABBITMQ_ENABLED_PLUGINS_FILE"
}

# Waits until the node has booted and the management API answers, or fails with the log's last lines.
wait_until_ready() {
  local launcher_pid="${1:-}" deadline=$((SECONDS + START_TIMEOUT_S))
  until ctl -q await_startup --timeout 5 >/dev/null 2>&1; do
    if [[ -n "$launcher_pid" ]] && ! pid_alive "$launcher_pid"; then
      show_log_tail "$STARTUP_LOG"
      show_log_tail "$RABBITMQ_LOG_BASE/$NODE.log"
      die "RabbitMQ node $NODE exited during startup"
    fi
    if ((SECONDS >= deadline)); then
      show_log_tail "$RABBITMQ_LOG_BASE/$NODE.log"
      die "RabbitMQ node $NODE did not finish booting within ${START_TIMEOUT_S} s"
    fi
    sleep 1
  done
  until management_answers; do
    if ((SECONDS >= deadline)); then
      show_log_tail "$RABBITMQ_LOG_BASE/$NODE.log"
      die "RabbitMQ management API on port $MANAGEMENT_PORT did not answer within ${START_TIMEOUT_S} s"
    fi
    sleep 0.5
  done
}

check_hostname() {
  local host="${NODE#*@}"
  getent hosts "$host" >/dev/null 2>&1 ||
    die "the host part of node name $NODE ('$host') does not resolve; add it to /etc/hosts or set TRIBUTARY_RABBITMQ_NODENAME"
}

start() {
  ensure_installed
  ensure_cookie
  rabbitmq_env
  take_lock "$RABBITMQ_DIR/.lock"
  if node_answers; then
    local running_port
    running_port="$(sed -n 's/^amqp_port=//p' "$STARTED_FILE" 2>/dev/null || true)"
    if [[ -n "$running_port" && "$running_port" != "$AMQP_PORT" ]]; then
      die "node $NODE already runs with AMQP port $running_port, not $AMQP_PORT; stop it first"
    fi
    log "RabbitMQ node $NODE already running"
    wait_until_ready
    return 0
  fi
  check_hostname
  local port
  for port in "$AMQP_PORT" "$MANAGEMENT_PORT" "$PROMETHEUS_PORT"; do
    if port_open "$port"; then
      die "port $TRIBUTARY_HOST:$port is taken by another process; stop it, or choose other ports (see infra/local/lib.sh)"
    fi
  done
  write_config
  log "starting RabbitMQ node $NODE (state in $RABBITMQ_DIR)"
  spawn_detached "$LAUNCH_PID_FILE" "$STARTUP_LOG" "$RMQ_BIN/rabbitmq-server"
  local launcher_pid
  launcher_pid="$(cat "$LAUNCH_PID_FILE")"
  {
    echo "node=$NODE"
    echo "launcher_pid=$launcher_pid"
    echo "amqp_port=$AMQP_PORT"
    echo "management_port=$MANAGEMENT_PORT"
    echo "prometheus_port=$PROMETHEUS_PORT"
  } >"$STARTED_FILE"
  wait_until_ready "$launcher_pid"
  log "RabbitMQ node $NODE is up: amqp $TRIBUTARY_HOST:$AMQP_PORT, management $TRIBUTARY_HOST:$MANAGEMENT_PORT, prometheus $TRIBUTARY_HOST:$PROMETHEUS_PORT"
}

stop() {
  if ! RMQ_BIN="$(find_rabbitmq_bin_dir)"; then
    log "rabbitmq-server is not installed; nothing to stop"
    return 0
  fi
  ensure_cookie
  rabbitmq_env
  take_lock "$RABBITMQ_DIR/.lock"
  if ! node_answers; then
    log "RabbitMQ node $NODE is not running"
    return 0
  fi
  log "stopping RabbitMQ node $NODE"
  if [[ -s "$RABBITMQ_PID_FILE" ]]; then
    # With the pid file, stop waits until the Erlang VM has exited.
    ctl stop "$RABBITMQ_PID_FILE" >/dev/null
  else
    ctl shutdown >/dev/null
  fi
  local launcher_pid
  launcher_pid="$(sed -n 's/^launcher_pid=//p' "$STARTED_FILE" 2>/dev/null || true)"
  if [[ -n "$launcher_pid" ]] && ! wait_pid_exit "$launcher_pid" 30; then
    die "RabbitMQ launcher (pid $launcher_pid) still running 30 s after the node stopped"
  fi
  rm -f "$LAUNCH_PID_FILE"
  log "RabbitMQ node $NODE stopped"
}

status() {
  if ! RMQ_BIN="$(find_rabbitmq_bin_dir)"; then
    log "rabbitmq-server is not installed"
    return 3
  fi
  ensure_cookie
  rabbitmq_env
  if node_answers; then
    local management=down
    if management_answers; then management=up; fi
    log "RabbitMQ node $NODE is running (amqp $TRIBUTARY_HOST:$AMQP_PORT, management API $management)"
    return 0
  fi
  log "RabbitMQ node $NODE is not running"
  return 3
}

run_command "${1:-}"
