#!/usr/bin/env bash
# Installs the Debian packages named as arguments that are not installed yet, for the checks that run a tool of
# theirs (docker-compose validates docker-compose.yml; prometheus brings promtool):
#
#   bash infra/local/tools.sh docker-compose prometheus
#
# Installs nothing, and does not even run `apt-get update`, when every package is there already, so CI can call it
# on every run. apt-get runs as root, or through sudo. The packages' maintainer scripts may not start services
# (Debian's prometheus would start its own server on port 9090). Progress goes to stderr.
set -euo pipefail

log() { printf '[tools] %s\n' "$*" >&2; }
die() {
  printf '[tools] error: %s\n' "$*" >&2
  exit 1
}

(($# > 0)) || die 'usage: bash infra/local/tools.sh DEBIAN_PACKAGE...'

as_root() {
  if [[ "$(id -u)" == 0 ]]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    die "installing $* needs root or sudo; install the packages yourself: ${missing[*]}"
  fi
}

missing=()
for package in "$@"; do
  [[ "$package" =~ ^[a-z0-9][a-z0-9+.-]+$ ]] || die "not a Debian package name: \"$package\""
  if [[ "$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)" != 'install ok installed' ]]; then
    missing+=("$package")
  fi
done
((${#missing[@]} > 0)) || exit 0

command -v apt-get >/dev/null 2>&1 || die "no apt-get here; install these yourself: ${missing[*]}"
log "installing ${missing[*]}"
policy=/usr/sbin/policy-rc.d
created_policy=0
if [[ ! -e "$policy" ]]; then
  as_root sh -c "printf '#!/bin/sh\nexit 101\n' >'$policy' && chmod 755 '$policy'"
  created_policy=1
fi
status=0
{
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 &&
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
} || status=$?
if [[ "$created_policy" == 1 ]]; then as_root rm -f "$policy"; fi
[[ "$status" == 0 ]] || die "apt-get install ${missing[*]} failed (exit $status)"
