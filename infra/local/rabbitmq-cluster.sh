#!/usr/bin/env bash
# A three-node RabbitMQ cluster on 127.0.0.1, for failover and chaos tests: three nodes of rabbitmq.sh, each with
# its own state directory, node name and ports, nodes 2 and 3 joined to node 1. start.sh does not start it.
#
#   bash infra/local/rabbitmq-cluster.sh start          start the nodes that do not run (all at once), join nodes 2
#                                                       and 3 to node 1 unless they are members, wait until all
#                                                       three run clustered, then print the `export` lines of env
#   bash infra/local/rabbitmq-cluster.sh stop           stop the nodes (2 and 3, then 1); their data stays
#   bash infra/local/rabbitmq-cluster.sh stop-node N    stop node N (1, 2 or 3) only
#   bash infra/local/rabbitmq-cluster.sh start-node N   start node N only, wait until it runs in the cluster again
#   bash infra/local/rabbitmq-cluster.sh status         exit 0 when all three nodes answer and run clustered, 3 when not
#   bash infra/local/rabbitmq-cluster.sh env            print `export AMQP_URL=…` (all three nodes), the management
#                                                       URL of node 1 and the node names
#
# A node that was not the last of its cluster to stop waits at boot until a node that ran after it is back, and
# `rabbitmqctl stop` waits as long: RabbitMQ 3.10 waits for the Mnesia tables 10 times 30 s twice (once in a feature
# flag check, once in its own boot step), 10 minutes, and then gives up. So `start` starts all stopped nodes at once,
# never one after the other; `stop` stops node 1 last, so that after a full stop node 1 can boot alone
# (`start-node 1`), nodes 2 and 3 only together with another node; and a node still booting is stopped through its
# Erlang VM (init:stop). Nothing here uses `rabbitmqctl force_boot`, which would make a node boot with what it had,
# losing what the others changed after it stopped.
#
# Settings (besides TRIBUTARY_LOCAL_DIR and TRIBUTARY_START_TIMEOUT_S of lib.sh):
#   TRIBUTARY_CLUSTER_DIR                state root, node N in nodeN/ (default: $TRIBUTARY_LOCAL_DIR/rabbitmq-cluster)
#   TRIBUTARY_CLUSTER_NODENAME_PREFIX    node N is PREFIXN@localhost (default: tributary-c)
#   TRIBUTARY_CLUSTER_AMQP_PORT          node 1's AMQP port; nodes 2 and 3 take the next two (default: 5682). Each
#                                        node's Erlang distribution port is its AMQP port + 20000.
#   TRIBUTARY_CLUSTER_MANAGEMENT_PORT    node 1's management API port, likewise (default: 15682)
#   TRIBUTARY_CLUSTER_PROMETHEUS_PORT    node 1's Prometheus port, likewise (default: 15702)
# The TRIBUTARY_RABBITMQ_* and TRIBUTARY_*_PORT variables of the single node do not apply to the cluster.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/lib.sh"

CLUSTER_DIR="${TRIBUTARY_CLUSTER_DIR:-$LOCAL_DIR/rabbitmq-cluster}"
NODENAME_PREFIX="${TRIBUTARY_CLUSTER_NODENAME_PREFIX:-tributary-c}"
CLUSTER_AMQP_PORT="${TRIBUTARY_CLUSTER_AMQP_PORT:-5682}"
CLUSTER_MANAGEMENT_PORT="${TRIBUTARY_CLUSTER_MANAGEMENT_PORT:-15682}"
CLUSTER_PROMETHEUS_PORT="${TRIBUTARY_CLUSTER_PROMETHEUS_PORT:-15702}"
readonly NODE_NUMBERS=(1 2 3)

for _port_var in CLUSTER_AMQP_PORT CLUSTER_MANAGEMENT_PORT CLUSTER_PROMETHEUS_PORT; do
  if ! [[ "${!_port_var}" =~ ^[0-9]+$ ]]; then
    die "TRIBUTARY_$_port_var must be a positive integer, got \"${!_port_var}\""
  fi
done
unset _port_var
((CLUSTER_AMQP_PORT + 2 + 20000 < 65536)) ||
  die "TRIBUTARY_CLUSTER_AMQP_PORT must be below 45534 (the Erlang distribution ports are the AMQP ports + 20000)"

# Absolute, since each node runs in its own directory (where Erlang writes a crash file such as MnesiaCore.*), not in
# the caller's.
if [[ "$CLUSTER_DIR" != /* ]]; then CLUSTER_DIR="$PWD/$CLUSTER_DIR"; fi

node_name() { echo "$NODENAME_PREFIX$1@localhost"; }
node_dir() { echo "$CLUSTER_DIR/node$1"; }
amqp_port() { echo $((CLUSTER_AMQP_PORT + $1 - 1)); }
management_port() { echo $((CLUSTER_MANAGEMENT_PORT + $1 - 1)); }
prometheus_port() { echo $((CLUSTER_PROMETHEUS_PORT + $1 - 1)); }

# The node's name as rabbitmq.sh recorded it when it started the node (it keeps using that one), else the setting.
recorded_node_name() {
  local recorded=''
  recorded="$(sed -n 's/^node=//p' "$(node_dir "$1")/started.env" 2>/dev/null || true)"
  echo "${recorded:-$(node_name "$1")}"
}

# Runs rabbitmq.sh for node $1 with that node's settings, in the node's directory.
node_script() {
  local n="$1" dir
  shift
  dir="$(node_dir "$n")"
  mkdir -p "$dir"
  (
    cd "$dir"
    TRIBUTARY_RABBITMQ_DIR="$dir" \
      TRIBUTARY_RABBITMQ_NODENAME="$(node_name "$n")" \
      TRIBUTARY_AMQP_PORT="$(amqp_port "$n")" \
      TRIBUTARY_RABBITMQ_MANAGEMENT_PORT="$(management_port "$n")" \
      TRIBUTARY_RABBITMQ_PROMETHEUS_PORT="$(prometheus_port "$n")" \
      bash "$here/rabbitmq.sh" "$@"
  )
}

# As rabbitmq.sh finds it: Debian's /usr/sbin wrappers would run the CLI as the rabbitmq user, with its cookie.
find_rabbitmqctl() {
  if [[ -x /usr/lib/rabbitmq/bin/rabbitmqctl ]]; then
    echo /usr/lib/rabbitmq/bin/rabbitmqctl
  elif command -v rabbitmqctl >/dev/null 2>&1 && ! grep -q 'su rabbitmq' "$(command -v rabbitmqctl)" 2>/dev/null; then
    command -v rabbitmqctl
  else
    return 1
  fi
}

# rabbitmqctl against node $1, with the environment rabbitmq.sh gives its own CLI calls.
ctl() {
  local n="$1" rabbitmqctl
  shift
  rabbitmqctl="$(find_rabbitmqctl)" || die "rabbitmq-server is not installed"
  RABBITMQ_CONF_ENV_FILE="$(node_dir "$n")/rabbitmq-env.conf" RABBITMQ_USE_LONGNAME=false \
    ERL_EPMD_ADDRESS="$TRIBUTARY_HOST" "$rabbitmqctl" -n "$(recorded_node_name "$n")" "$@" 9>&-
}

# What node $1 is doing: running, booting (possibly waiting for the other nodes), stopped (the Erlang VM runs, the
# RabbitMQ application does not, as after stop_app) or down (no answer).
node_state() {
  # rabbitmq.sh writes the cookie before it starts a node, so without one no node runs; and a CLI call must not
  # write it first (the node would get another one).
  if [[ ! -s "$HOME/.erlang.cookie" ]] || ! find_rabbitmqctl >/dev/null; then
    echo down
    return 0
  fi
  ctl "$1" -q eval \
    'case rabbit:is_booting() of true -> booting; false -> case rabbit:is_running() of true -> running; false -> stopped end end.' \
    2>/dev/null || echo down
}

node_answers() {
  [[ "$(node_state "$1")" != down ]]
}

# The nodes of one list of `rabbitmqctl cluster_status --formatter json` as node $1 sees it, one a line:
# $2 is disk_nodes (the members) or running_nodes.
cluster_nodes() {
  local json
  json="$(ctl "$1" -q cluster_status --formatter json 2>/dev/null)" || return 1
  sed -n "s/.*\"$2\":\\[\\([^]]*\\)\\].*/\\1/p" <<<"$json" | tr ',' '\n' | tr -d '"' | sed '/^$/d'
}

# True when node $2 is in list $3 (disk_nodes, running_nodes) of node $1's cluster status.
listed() {
  local nodes
  nodes="$(cluster_nodes "$1" "$3")" || return 1
  grep -qxF "$(recorded_node_name "$2")" <<<"$nodes"
}

# Joins node $1 (answering) to node 1's cluster unless it is a member, and starts its application when it is stopped
# (a join cut short leaves it so).
join_node() {
  local n="$1" first
  first="$(recorded_node_name 1)"
  if listed 1 "$n" disk_nodes; then
    if [[ "$(node_state "$n")" == stopped ]]; then
      log "starting the RabbitMQ application on $(recorded_node_name "$n")"
      ctl "$n" -q start_app >/dev/null
    fi
    return 0
  fi
  log "joining $(recorded_node_name "$n") to the cluster of $first"
  ctl "$n" -q stop_app >/dev/null
  ctl "$n" -q join_cluster "$first" >/dev/null
  ctl "$n" -q start_app >/dev/null
}

# Waits until node $1 sees itself and every other node that answers as running members of its cluster, and until
# the management API of each of them answers.
wait_until_clustered() {
  local n="$1" deadline=$((SECONDS + START_TIMEOUT_S)) other missing
  while :; do
    missing=''
    for other in "${NODE_NUMBERS[@]}"; do
      if [[ "$other" == "$n" ]] || node_answers "$other"; then
        listed "$n" "$other" running_nodes || missing+=" $(recorded_node_name "$other")"
      fi
    done
    [[ -z "$missing" ]] && break
    ((SECONDS < deadline)) ||
      die "$(recorded_node_name "$n") does not see$missing running in its cluster after ${START_TIMEOUT_S} s"
    sleep 1
  done
  for other in "${NODE_NUMBERS[@]}"; do
    [[ "$other" == "$n" ]] || node_answers "$other" || continue
    until curl -fsS -o /dev/null --max-time 5 -u guest:guest \
      "http://$TRIBUTARY_HOST:$(management_port "$other")/api/overview" 2>/dev/null; do
      ((SECONDS < deadline)) ||
        die "the management API of $(recorded_node_name "$other") did not answer within ${START_TIMEOUT_S} s"
      sleep 0.5
    done
  done
}

# Starts the given nodes with rabbitmq.sh, all at once: a node of a stopped cluster finishes booting only once the
# node that stopped after it runs, so one start after the other could wait for minutes.
start_nodes() {
  local pids=() n status=0 pid
  for n in "$@"; do
    node_script "$n" start &
    pids+=($!)
  done
  for pid in "${pids[@]}"; do
    wait "$pid" || status=1
  done
  [[ "$status" == 0 ]] || die "not every RabbitMQ node started; see the messages above"
}

# Stops node $1 with rabbitmq.sh. `rabbitmqctl stop` waits until a booting node has booted, which for a node that
# waits for the others of its cluster takes until they are back or its wait ends (10 minutes here): a booting node's
# Erlang VM is asked to stop first, which ends it at once.
stop_one() {
  local n="$1" deadline=$((SECONDS + 30))
  if [[ ! -d "$(node_dir "$n")" ]]; then
    log "RabbitMQ node $(node_name "$n") was never started here (no $(node_dir "$n"))"
    return 0
  fi
  if [[ "$(node_state "$n")" == booting ]]; then
    log "$(recorded_node_name "$n") is still booting (perhaps waiting for the other nodes): stopping its Erlang VM"
    ctl "$n" -q eval 'init:stop().' >/dev/null 2>&1 || true
    while node_answers "$n" && ((SECONDS < deadline)); do sleep 0.5; done
    local launcher_pid
    launcher_pid="$(sed -n 's/^launcher_pid=//p' "$(node_dir "$n")/started.env" 2>/dev/null || true)"
    if [[ -n "$launcher_pid" ]]; then wait_pid_exit "$launcher_pid" 30 || true; fi
  fi
  node_script "$n" stop
}

print_cluster_env() {
  local urls=() managements=() nodes=() n
  for n in "${NODE_NUMBERS[@]}"; do
    urls+=("amqp://guest:guest@$TRIBUTARY_HOST:$(amqp_port "$n")")
    managements+=("http://guest:guest@$TRIBUTARY_HOST:$(management_port "$n")")
    nodes+=("$(recorded_node_name "$n")")
  done
  local IFS=,
  printf 'export AMQP_URL=%s\n' "${urls[*]}"
  printf 'export RABBITMQ_MANAGEMENT_URL=%s\n' "${managements[0]}"
  printf 'export TRIBUTARY_CLUSTER_MANAGEMENT_URLS=%s\n' "${managements[*]}"
  printf 'export TRIBUTARY_CLUSTER_NODES=%s\n' "${nodes[*]}"
}

start() {
  take_lock "$CLUSTER_DIR/.lock"
  local n down=()
  local running_port
  for n in "${NODE_NUMBERS[@]}"; do
    if node_answers "$n"; then
      running_port="$(sed -n 's/^amqp_port=//p' "$(node_dir "$n")/started.env" 2>/dev/null || true)"
      if [[ -n "$running_port" && "$running_port" != "$(amqp_port "$n")" ]]; then
        die "$(recorded_node_name "$n") already runs with AMQP port $running_port, not $(amqp_port "$n"); stop the cluster first"
      fi
    else
      down+=("$n")
    fi
  done
  if ((${#down[@]} > 0)); then
    log "starting RabbitMQ cluster nodes ${down[*]} (state in $CLUSTER_DIR)"
    if ! find_rabbitmqctl >/dev/null || ! command -v curl >/dev/null 2>&1; then
      # rabbitmq.sh installs what is missing with apt-get, which must not run three times at once. Without
      # RabbitMQ there was no cluster either, so no node waits for another: node 1 starts alone first.
      node_script 1 start
      local rest=()
      for n in "${down[@]}"; do
        if [[ "$n" != 1 ]]; then rest+=("$n"); fi
      done
      down=("${rest[@]}")
    fi
    start_nodes "${down[@]}"
  else
    log "all three RabbitMQ cluster nodes already running"
  fi
  join_node 2
  join_node 3
  wait_until_clustered 1
  log "RabbitMQ cluster is up: $(recorded_node_name 1), $(recorded_node_name 2), $(recorded_node_name 3)"
  print_cluster_env
}

stop() {
  take_lock "$CLUSTER_DIR/.lock"
  local status=0 pid2 pid3
  # Nodes 2 and 3 together (a node takes some 7 s to stop), node 1 after them: the last node to stop is the one
  # that can boot again without waiting for the others.
  stop_one 3 &
  pid3=$!
  stop_one 2 &
  pid2=$!
  wait "$pid3" || status=$?
  wait "$pid2" || status=$?
  stop_one 1 || status=$?
  return "$status"
}

stop_node() {
  take_lock "$CLUSTER_DIR/.lock"
  stop_one "$1"
}

start_node() {
  local n="$1" other others_answer=0
  take_lock "$CLUSTER_DIR/.lock"
  for other in "${NODE_NUMBERS[@]}"; do
    if [[ "$other" != "$n" ]] && node_answers "$other"; then others_answer=1; fi
  done
  if [[ "$others_answer" == 0 ]] && ! node_answers "$n"; then
    log "no other node of the cluster runs: unless $(recorded_node_name "$n") was the last to stop, it waits for" \
      "them while booting; \`$0 start\` starts all three"
  fi
  node_script "$n" start
  if [[ "$n" != 1 && "$(node_state 1)" == running ]]; then join_node "$n"; fi
  wait_until_clustered "$n"
  log "$(recorded_node_name "$n") runs in the cluster"
}

status() {
  local n running=1
  for n in "${NODE_NUMBERS[@]}"; do
    [[ "$(node_state "$n")" == running ]] || running=0
  done
  if [[ "$running" == 1 ]]; then
    for n in "${NODE_NUMBERS[@]}"; do
      listed 1 "$n" running_nodes || running=0
    done
    if [[ "$running" == 1 ]]; then
      log "RabbitMQ cluster runs: $(cluster_nodes 1 running_nodes | paste -sd ' ' -)"
      return 0
    fi
    log "all three RabbitMQ nodes run, but not all of them in the cluster of $(recorded_node_name 1)"
    return 3
  fi
  log "not all three RabbitMQ cluster nodes run"
  return 3
}

case "${1:-}" in
start) start ;;
stop) stop ;;
stop-node | start-node)
  if ! [[ "${2:-}" =~ ^[123]$ ]]; then
    echo "usage: $0 $1 1|2|3" >&2
    exit 2
  fi
  "${1/-/_}" "$2"
  ;;
status) status ;;
env) print_cluster_env ;;
*)
  echo "usage: $0 start|stop|stop-node N|start-node N|status|env" >&2
  exit 2
  ;;
esac
