#!/usr/bin/env bash
# Starts RabbitMQ and FerretDB on 127.0.0.1 unless they already run, waits until both answer, then prints the
# `export` lines of env.sh (progress goes to stderr, so `eval "$(bash infra/local/start.sh)"` works too).
set -euo pipefail
here="$(dirname "${BASH_SOURCE[0]}")"
source "$here/lib.sh"

bash "$here/rabbitmq.sh" start
bash "$here/ferretdb.sh" start
print_env
