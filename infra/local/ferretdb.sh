#!/usr/bin/env bash
# FerretDB (a MongoDB wire-protocol server) with its SQLite backend on 127.0.0.1, as a background process with a
# pid file, a log file and its data under its own state directory. It logs at level error: at warn it dumps
# every command it answers with an error, such as the endSessions (unsupported) that each closing client sends.
#
#   bash infra/local/ferretdb.sh start     start it unless it already runs, wait until it answers a ping
#   bash infra/local/ferretdb.sh stop      stop exactly the process this script started (its recorded pid)
#   bash infra/local/ferretdb.sh restart   stop, then start again with the same data
#   bash infra/local/ferretdb.sh status    exit 0 when it runs and answers, 3 when it does not
#
# Settings: see lib.sh (state directory, port, TRIBUTARY_FERRETDB_BIN).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
readonly REPO_ROOT
readonly PID_FILE="$FERRETDB_DIR/ferretdb.pid"
readonly LOG_FILE="$FERRETDB_DIR/ferretdb.log"
# Outside the state directory, so that a fresh state directory (as CI uses) does not mean a fresh build.
readonly BUILT_BIN="${XDG_CACHE_HOME:-$HOME/.cache}/tributary-local/bin/ferretdb-$FERRETDB_VERSION"
readonly MODULE=github.com/FerretDB/FerretDB

works_as_ferretdb() {
  local version
  [[ -x "$1" ]] && version="$("$1" --version 2>/dev/null)" && grep -qx "version: $FERRETDB_VERSION" <<<"$version"
}

# The Go toolchain FerretDB's go.mod asks for; fetched from the Go module proxy (golang.org/toolchain, the module
# `go` itself downloads toolchains from) when the machine has no Go, or one too old to build it.
readonly GO_TOOLCHAIN_VERSION=1.24.3
readonly GO_TOOLCHAIN_DIR="${XDG_CACHE_HOME:-$HOME/.cache}/tributary-local/go$GO_TOOLCHAIN_VERSION"

# True when $1 is a go binary of at least the toolchain version above.
recent_go() {
  local version
  version="$("$1" env GOVERSION 2>/dev/null)" || return 1
  version="${version#go}"
  [[ "$(printf '%s\n%s\n' "$GO_TOOLCHAIN_VERSION" "$version" | sort -V | head -n 1)" == "$GO_TOOLCHAIN_VERSION" ]]
}

install_go_toolchain() {
  local arch zip url
  case "$(uname -m)" in
  x86_64 | amd64) arch=amd64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) die "no Go toolchain for $(uname -m); install Go $GO_TOOLCHAIN_VERSION or later, or set TRIBUTARY_FERRETDB_BIN" ;;
  esac
  ensure_curl
  command -v unzip >/dev/null 2>&1 || apt_install unzip
  url="${GOPROXY_TOOLCHAIN_URL:-https://proxy.golang.org}/golang.org/toolchain/@v/v0.0.1-go$GO_TOOLCHAIN_VERSION.linux-$arch.zip"
  log "no Go $GO_TOOLCHAIN_VERSION or later here; fetching the Go toolchain from the Go module proxy ($url)"
  mkdir -p "$(dirname "$GO_TOOLCHAIN_DIR")"
  zip="$(mktemp "${TMPDIR:-/tmp}/go-toolchain.XXXXXX.zip")"
  curl -fsSL --retry 3 -o "$zip" "$url" || {
    rm -f "$zip"
    die "downloading the Go toolchain failed ($url)"
  }
  rm -rf "$GO_TOOLCHAIN_DIR.tmp"
  mkdir -p "$GO_TOOLCHAIN_DIR.tmp"
  unzip -q "$zip" -d "$GO_TOOLCHAIN_DIR.tmp" || die "unpacking the Go toolchain failed"
  rm -f "$zip"
  rm -rf "$GO_TOOLCHAIN_DIR"
  mv "$GO_TOOLCHAIN_DIR.tmp/golang.org/toolchain@v0.0.1-go$GO_TOOLCHAIN_VERSION.linux-$arch" "$GO_TOOLCHAIN_DIR"
  rm -rf "$GO_TOOLCHAIN_DIR.tmp"
  chmod -R u+x "$GO_TOOLCHAIN_DIR/bin" "$GO_TOOLCHAIN_DIR/pkg/tool"
}

# Prints a go binary recent enough to build FerretDB: the one on PATH or in /usr/local/go, else the toolchain
# fetched once into the cache.
find_go() {
  local candidate
  for candidate in "$(command -v go 2>/dev/null || true)" /usr/local/go/bin/go "$GO_TOOLCHAIN_DIR/bin/go"; do
    if [[ -n "$candidate" && -x "$candidate" ]] && recent_go "$candidate"; then
      echo "$candidate"
      return 0
    fi
  done
  install_go_toolchain >&2
  recent_go "$GO_TOOLCHAIN_DIR/bin/go" || die "the Go toolchain in $GO_TOOLCHAIN_DIR does not run"
  echo "$GO_TOOLCHAIN_DIR/bin/go"
}

# `go install $MODULE/cmd/ferretdb@$FERRETDB_VERSION` builds a binary that panics at start ("Invalid
# build/version/version.txt file content"): the module as published lacks the generated version file that
# FerretDB's own build writes. So build from the module's source with that one file added.
build_ferretdb() {
  local go="$1" src work
  mkdir -p "$(dirname "$BUILT_BIN")"
  # One build at a time (starts with other state directories share the binary); fd 8 closes with the subshell
  # that resolve_binary runs in.
  exec 8>"$BUILT_BIN.lock"
  if command -v flock >/dev/null 2>&1; then flock 8; fi
  if works_as_ferretdb "$BUILT_BIN"; then return 0; fi
  log "building FerretDB $FERRETDB_VERSION from its Go module (a few minutes the first time)"
  src="$("$go" mod download -json "$MODULE@$FERRETDB_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  [[ -n "$src" && -d "$src" ]] || die "go mod download $MODULE@$FERRETDB_VERSION did not give a source directory"
  work="$(mktemp -d)"
  cp -R "$src/." "$work/"
  chmod -R u+w "$work"
  echo "$FERRETDB_VERSION" >"$work/build/version/version.txt"
  if ! (cd "$work" && GOTOOLCHAIN=local GOFLAGS='' "$go" build -buildvcs=false -trimpath -o "$BUILT_BIN.tmp" ./cmd/ferretdb) >&2; then
    rm -rf "$work"
    die "building FerretDB failed"
  fi
  rm -rf "$work"
  mv -f "$BUILT_BIN.tmp" "$BUILT_BIN"
  works_as_ferretdb "$BUILT_BIN" || die "the FerretDB binary just built ($BUILT_BIN) does not run"
}

# Prints the FerretDB binary to run: TRIBUTARY_FERRETDB_BIN, else a working one in $(go env GOPATH)/bin, else our
# own build (made now when missing).
resolve_binary() {
  if [[ -n "${TRIBUTARY_FERRETDB_BIN:-}" ]]; then
    works_as_ferretdb "$TRIBUTARY_FERRETDB_BIN" ||
      die "TRIBUTARY_FERRETDB_BIN=$TRIBUTARY_FERRETDB_BIN is not a runnable FerretDB $FERRETDB_VERSION"
    echo "$TRIBUTARY_FERRETDB_BIN"
    return 0
  fi
  if works_as_ferretdb "$BUILT_BIN"; then
    echo "$BUILT_BIN"
    return 0
  fi
  local go
  go="$(find_go)" || exit 1
  local installed
  installed="$("$go" env GOPATH)/bin/ferretdb"
  if works_as_ferretdb "$installed"; then
    echo "$installed"
    return 0
  fi
  build_ferretdb "$go"
  echo "$BUILT_BIN"
}

recorded_pid() {
  cat "$PID_FILE" 2>/dev/null || true
}

# True when the recorded pid is alive and is a FerretDB process (not a stranger that reused the pid).
running() {
  local pid cmdline
  pid="$(recorded_pid)"
  pid_alive "$pid" && cmdline="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" && [[ "$cmdline" == *ferretdb* ]]
}

# A MongoDB `ping` through the official driver when the repository's node_modules has it; otherwise a TCP connect.
answers() {
  port_open "$MONGO_PORT" || return 1
  if command -v node >/dev/null 2>&1 && (cd "$REPO_ROOT" && node -e "require.resolve('mongodb')" >/dev/null 2>&1); then
    (cd "$REPO_ROOT" && MONGO_PING_URL="mongodb://$TRIBUTARY_HOST:$MONGO_PORT/" node -e "
      const { MongoClient } = require('mongodb');
      const client = new MongoClient(process.env.MONGO_PING_URL, { serverSelectionTimeoutMS: 3000 });
      client.db('admin').command({ ping: 1 })
        .then((reply) => { if (reply.ok !== 1) throw new Error('ping answered ' + JSON.stringify(reply)); })
        .then(() => client.close(), (error) => client.close().then(() => { throw error; }))
        .catch(() => { process.exitCode = 1; });
    " >/dev/null 2>&1 9>&-)
  fi
}

wait_until_ready() {
  local deadline=$((SECONDS + START_TIMEOUT_S))
  until answers; do
    if ! running; then
      show_log_tail "$LOG_FILE"
      die "FerretDB exited during startup"
    fi
    if ((SECONDS >= deadline)); then
      show_log_tail "$LOG_FILE"
      die "FerretDB did not answer on $TRIBUTARY_HOST:$MONGO_PORT within ${START_TIMEOUT_S} s"
    fi
    sleep 0.3
  done
}

start() {
  take_lock "$FERRETDB_DIR/.lock"
  if running; then
    log "FerretDB already running (pid $(recorded_pid))"
    wait_until_ready
    return 0
  fi
  if port_open "$MONGO_PORT"; then
    die "port $TRIBUTARY_HOST:$MONGO_PORT is taken by another process; stop it, or set TRIBUTARY_MONGO_PORT"
  fi
  local bin
  bin="$(resolve_binary)"
  mkdir -p "$FERRETDB_DIR/data" "$FERRETDB_DIR/state"
  log "starting FerretDB $FERRETDB_VERSION (SQLite data in $FERRETDB_DIR/data)"
  spawn_detached "$PID_FILE" "$LOG_FILE" "$bin" \
    --handler=sqlite \
    "--sqlite-url=file:$FERRETDB_DIR/data/" \
    "--state-dir=$FERRETDB_DIR/state" \
    "--listen-addr=$TRIBUTARY_HOST:$MONGO_PORT" \
    --debug-addr=- \
    --telemetry=disable \
    --log-level=error
  wait_until_ready
  log "FerretDB is up: mongodb $TRIBUTARY_HOST:$MONGO_PORT (pid $(recorded_pid))"
}

stop() {
  take_lock "$FERRETDB_DIR/.lock"
  if ! running; then
    log "FerretDB is not running"
    rm -f "$PID_FILE"
    return 0
  fi
  local pid
  pid="$(recorded_pid)"
  log "stopping FerretDB (pid $pid)"
  kill -TERM "$pid"
  if ! wait_pid_exit "$pid" 20; then
    log "FerretDB (pid $pid) did not exit 20 s after SIGTERM; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    wait_pid_exit "$pid" 10 || die "FerretDB (pid $pid) survived SIGKILL"
  fi
  rm -f "$PID_FILE"
  log "FerretDB stopped"
}

status() {
  if running && answers; then
    log "FerretDB is running (pid $(recorded_pid), mongodb $TRIBUTARY_HOST:$MONGO_PORT)"
    return 0
  fi
  log "FerretDB is not running"
  return 3
}

run_command "${1:-}"
