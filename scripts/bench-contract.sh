#!/usr/bin/env bash
# Confidential-contract benchmark (make bench-contract): starts a fresh devnet
# (4 validators, no waiting candidates, 1 gatekeeper, 2 simulated workers) in
# its own home and port range, then runs tools/benchcontract on it, which
# stores and instantiates the hello contract with the CLI and measures, in
# every round on the same devnet: bank-send inclusion latency (the baseline),
# confidential commands from `tx confidential execute` to the decrypted
# `q confidential result`, and encrypted queries to the contract's worker
# (contract queries against status queries). Every process it starts is
# stopped on exit.
#
# Environment: BENCH_HOME (build/bench-contract), BENCH_PORT_BASE (32000;
# below the kernel's ephemeral port range), BENCH_JSON
# (build/bench/contract.json), BENCH_ARGS (extra flags for benchcontract,
# e.g. "--rounds 3 --commands 30"; see go run ./tools/benchcontract --help);
# PHALAD, PHALA_ENCLAVE, PHALA_WORKER (binaries, default build/), HELLO_WASM
# (build/contracts/hello.wasm).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
phalad=${PHALAD:-$repo/build/phalad}
enclave=${PHALA_ENCLAVE:-$repo/build/phala-enclave}
worker=${PHALA_WORKER:-$repo/build/phala-worker}
wasm=${HELLO_WASM:-$repo/build/contracts/hello.wasm}
home=${BENCH_HOME:-$repo/build/bench-contract}
port_base=${BENCH_PORT_BASE:-32000}
json=${BENCH_JSON:-$repo/build/bench/contract.json}
bench_dir=$repo/build/bench
export GOFLAGS=${GOFLAGS:--p=1} # two cores, shared: one package at a time
mkdir -p "$bench_dir"

for bin in "$phalad" "$enclave" "$worker"; do
  [[ -x "$bin" ]] || { echo "bench-contract: $bin not found; run make build" >&2; exit 1; }
done
[[ -f "$wasm" ]] || { echo "bench-contract: $wasm not found; run make contracts" >&2; exit 1; }

devnet_pid=""
tool_pid=""
devnet_log=$bench_dir/contract-devnet.log
cleanup() {
  if [[ -n "$tool_pid" ]]; then
    kill -TERM "$tool_pid" 2>/dev/null || true
    wait "$tool_pid" 2>/dev/null || true
  fi
  if [[ -n "$devnet_pid" ]]; then
    # The devnet supervisor stops its nodes, enclaves and sidecars on SIGINT.
    kill -INT "$devnet_pid" 2>/dev/null || true
    wait "$devnet_pid" 2>/dev/null || true
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

started=$(date +%s)
echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(awk '/MemTotal/ {printf "%.0f GB", $2/1048576}' /proc/meminfo), $(go version | cut -d' ' -f3), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== building tools/benchcontract"
go build -o "$bench_dir/benchcontract" ./tools/benchcontract

echo "== starting a fresh devnet under $home (ports from $port_base): 4 validators, 1 gatekeeper, 2 workers"
PHALAD=$phalad PHALA_ENCLAVE=$enclave PHALA_WORKER=$worker DEVNET_HOME=$home DEVNET_RESET=1 DEVNET_VALIDATORS=4 DEVNET_CANDIDATES=0 \
  DEVNET_GATEKEEPERS=1 DEVNET_WORKERS=2 DEVNET_PORT_BASE=$port_base ./scripts/devnet.sh >"$devnet_log" 2>&1 &
devnet_pid=$!
for _ in $(seq 1 180); do
  grep -q '^devnet ready' "$devnet_log" && break
  if ! kill -0 "$devnet_pid" 2>/dev/null; then
    cat "$devnet_log"; echo "bench-contract: the devnet failed to start (log above)" >&2; exit 1
  fi
  sleep 1
done
grep -q '^devnet ready' "$devnet_log" || { cat "$devnet_log"; echo "bench-contract: devnet not ready after 180s" >&2; exit 1; }
echo "== devnet ready (log: $devnet_log)"

# shellcheck disable=SC2086
"$bench_dir/benchcontract" --home "$home" --phalad "$phalad" --wasm "$wasm" --json "$json" ${BENCH_ARGS:-} &
tool_pid=$!
wait "$tool_pid"
tool_pid=""
echo "== done in $(( $(date +%s) - started )) s; results in $json"
