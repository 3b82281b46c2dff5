#!/usr/bin/env bash
# Runs the local devnet: creates it on the first run, resumes it afterwards,
# stays in the foreground until Ctrl-C. `make devnet` builds phalad first.
#
# Environment (each maps onto a `phalad devnet` flag; see `phalad devnet --help`):
#   DEVNET_HOME        data directory                 (default ./.devnet)
#   DEVNET_VALIDATORS  validators, at creation        (default 4)
#   DEVNET_CANDIDATES  waiting candidates, at creation (default 2)
#   DEVNET_PORT_BASE   first port of the port map     (default 26600)
#   DEVNET_CHAIN_ID    chain-id, at creation          (default phala-devnet-1)
#   DEVNET_GATEKEEPERS simulated gatekeepers, at creation (default 1)
#   DEVNET_WORKERS     simulated workers besides them, at creation (default 2)
#   DEVNET_RESET=1     delete the devnet and start a fresh chain
#   PHALAD             the phalad binary              (default build/phalad)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
phalad=${PHALAD:-$repo/build/phalad}
if [[ ! -x "$phalad" ]]; then
  echo "devnet: $phalad not found; build it with 'make build' (or run 'make devnet')" >&2
  exit 1
fi

args=(devnet --dir "${DEVNET_HOME:-.devnet}")
# Only pass what the user set, so that resuming a devnet created with other
# settings does not look like a request to change them.
[[ -n "${DEVNET_VALIDATORS:-}" ]] && args+=(--validators "$DEVNET_VALIDATORS")
[[ -n "${DEVNET_CANDIDATES:-}" ]] && args+=(--candidates "$DEVNET_CANDIDATES")
[[ -n "${DEVNET_PORT_BASE:-}" ]] && args+=(--port-base "$DEVNET_PORT_BASE")
[[ -n "${DEVNET_CHAIN_ID:-}" ]] && args+=(--chain-id "$DEVNET_CHAIN_ID")
[[ -n "${DEVNET_GATEKEEPERS:-}" ]] && args+=(--gatekeepers "$DEVNET_GATEKEEPERS")
[[ -n "${DEVNET_WORKERS:-}" ]] && args+=(--workers "$DEVNET_WORKERS")
case "${DEVNET_RESET:-0}" in
  1|true|yes) args+=(--reset) ;;
  0|false|no|"") ;;
  *) echo "devnet: DEVNET_RESET must be 1 or 0, got '$DEVNET_RESET'" >&2; exit 1 ;;
esac
exec "$phalad" "${args[@]}" "$@"
