#!/usr/bin/env bash
# Baseline chain benchmark: starts a fresh 4-validator devnet (no waiting
# candidates, so four nodes share the machine), measures
# bank-send throughput and inclusion latency with tools/benchchain (offline
# signing, many senders), stops the devnet and prints the machine it ran on.
#
# Environment: BENCH_HOME (default build/bench-devnet), BENCH_PORT_BASE
# (default 28600), BENCH_ARGS (extra flags for benchchain, e.g. "--runs 5").
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
phalad=${PHALAD:-$repo/build/phalad}
home=${BENCH_HOME:-$repo/build/bench-devnet}
log=$(mktemp)

echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(go version | cut -d' ' -f3), commit $(git rev-parse --short HEAD)"
PHALAD=$phalad DEVNET_HOME=$home DEVNET_RESET=1 DEVNET_VALIDATORS=4 DEVNET_CANDIDATES=0 DEVNET_GATEKEEPERS=0 DEVNET_WORKERS=0 DEVNET_PORT_BASE=${BENCH_PORT_BASE:-28600} \
  ./scripts/devnet.sh >"$log" 2>&1 &
devnet=$!
stop() { kill -INT "$devnet" 2>/dev/null || true; wait "$devnet" 2>/dev/null || true; rm -f "$log"; }
trap stop EXIT

for _ in $(seq 1 180); do
  grep -q '^devnet ready' "$log" && break
  if ! kill -0 "$devnet" 2>/dev/null; then cat "$log"; echo "bench-chain: the devnet failed to start" >&2; exit 1; fi
  sleep 1
done
grep -q '^devnet ready' "$log" || { cat "$log"; echo "bench-chain: devnet not ready after 180s" >&2; exit 1; }
echo "== devnet ready under $home"

# shellcheck disable=SC2086
go run ./tools/benchchain --home "$home" --json build/bench/chain.json ${BENCH_ARGS:-}
echo "== results written to build/bench/chain.json"
