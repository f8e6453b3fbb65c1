#!/usr/bin/env bash
# The whole system on this machine, without Docker: `./up.sh [options of tributary up]` (`./up.sh --help`).
#
# On a fresh Linux machine it installs what it needs first: Node.js 24 when `node` is missing or older
# (infra/local/node.sh), the dependencies (`npm ci`, when node_modules is missing or older than package-lock.json),
# and, through `tributary up`, RabbitMQ and FerretDB (infra/local; root or sudo for apt-get). Then it runs
# `tributary up`, which starts every service as its own process, enqueues a demo batch and keeps running until
# Ctrl-C. With AMQP_URL and MONGO_URL set it uses those servers and starts none.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

# shellcheck source=infra/local/node.sh
source "$root/infra/local/node.sh"

# npm ci writes node_modules/.package-lock.json last: missing or older than the lock file means install.
if [[ ! -f "$root/node_modules/.package-lock.json" || "$root/package-lock.json" -nt "$root/node_modules/.package-lock.json" ]]; then
  printf '[up] npm ci (node %s)\n' "$(node --version)" >&2
  (cd "$root" && npm ci --no-audit --no-fund --loglevel=error >&2)
fi

exec node "$root/packages/cli/src/main.ts" up "$@"
