#!/usr/bin/env bash
# Node.js 24 for this repository. When `node` is missing or older than 24, installs node@24 from the npm registry
# into a cache directory (once: later runs reuse it) and puts it first on PATH. When even npm is missing, it first
# installs Debian's nodejs and npm with apt-get (as root, or through sudo), only to run that one npm install.
#
#   source infra/local/node.sh        PATH exported in the calling shell (what up.sh and .ci/run do)
#   eval "$(bash infra/local/node.sh)"  the same from a shell that runs it: it prints the `export PATH=…` line
#
# Settings:
#   TRIBUTARY_NODE_DIR   where node@24 is installed (default: ${XDG_CACHE_HOME:-$HOME/.cache}/tributary-node24)
#
# Progress goes to stderr, so that stdout carries only the export line.

tributary_node_log() { printf '[node] %s\n' "$*" >&2; }

# The major version of the `node` on PATH; 0 when there is none.
tributary_node_major() {
  local major
  major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null)" || major=0
  [[ "$major" =~ ^[0-9]+$ ]] || major=0
  echo "$major"
}

# Runs apt-get as root: directly, or through sudo; fails when neither is possible.
tributary_node_apt_get() {
  if [[ "$(id -u)" == 0 ]]; then
    DEBIAN_FRONTEND=noninteractive apt-get "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo DEBIAN_FRONTEND=noninteractive apt-get "$@"
  else
    tributary_node_log "installing Debian's nodejs and npm needs root or sudo; install Node.js 24 yourself"
    return 1
  fi
}

tributary_ensure_node24() {
  if (($(tributary_node_major) >= 24)); then return 0; fi
  local node_dir="${TRIBUTARY_NODE_DIR:-${XDG_CACHE_HOME:-${HOME:?HOME must be set}/.cache}/tributary-node24}"
  if [[ "$("$node_dir/node_modules/.bin/node" --version 2>/dev/null || true)" != v24.* ]]; then
    tributary_node_log "node $(node --version 2>/dev/null || echo 'is missing'); installing node@24 into $node_dir"
    if ! command -v npm >/dev/null 2>&1; then
      command -v apt-get >/dev/null 2>&1 || {
        tributary_node_log 'npm is missing and there is no apt-get to install it: install Node.js 24 first'
        return 1
      }
      tributary_node_log "npm is missing too: installing Debian's nodejs and npm with apt-get"
      tributary_node_apt_get update -qq >&2 || return 1
      tributary_node_apt_get install -y -qq nodejs npm >&2 || return 1
    fi
    mkdir -p "$node_dir" || return 1
    npm install --prefix "$node_dir" --no-audit --no-fund --no-save --loglevel=error node@24 >&2 || return 1
    [[ "$("$node_dir/node_modules/.bin/node" --version 2>/dev/null || true)" == v24.* ]] || {
      tributary_node_log "node@24 was installed into $node_dir but does not run"
      return 1
    }
  fi
  export PATH="$node_dir/node_modules/.bin:$PATH"
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  # Run, not sourced: print the line that puts Node.js 24 on PATH.
  set -euo pipefail
  tributary_ensure_node24
  printf 'export PATH=%q\n' "$PATH"
else
  tributary_ensure_node24
fi
