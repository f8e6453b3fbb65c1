#!/usr/bin/env bash
# Prints the `export` lines that point clients and tests at the local services started by start.sh:
#   eval "$(bash infra/local/env.sh)"
# The ports follow the same TRIBUTARY_* variables as the start scripts (see lib.sh).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

print_env
