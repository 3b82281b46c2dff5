#!/usr/bin/env bash
# Enclave header-sync benchmark through the real sidecar (make bench-sync).
#
#  1. Creates a fresh 4-validator devnet (no candidates, no workers) under
#     BENCH_HOME and, for this benchmark only, shortens the block time in every
#     node's config.toml (timeout_commit, p2p flush_throttle_timeout and
#     consensus peer_gossip_sleep_duration) so the chain grows fast.
#  2. Registers a simulated enclave's identity early through phala-worker
#     (tools/benchsync prepare), so its ingress message lies in the range.
#  3. Waits, printing progress, until the chain has BENCH_BLOCKS blocks.
#  4. Restores the devnet's own config (1 s timeout_commit) and resumes it.
#  5. Runs the bare ed25519 and light-client micro-benchmarks (one core).
#  6. Times `phala-worker --once` catching a fresh phala-enclave up from
#     block 1 to head, BENCH_RUNS times per fetch concurrency
#     (tools/benchsync measure); results in BENCH_JSON.
# Every process it starts is stopped on exit.
#
# Environment: BENCH_HOME (build/bench-sync), BENCH_PORT_BASE (31000),
# BENCH_BLOCKS (10000), BENCH_MAX_WAIT (minutes to wait for them, 30; after
# that the benchmark runs on the blocks there are, labelled as a fallback),
# BENCH_FAST_COMMIT (timeout_commit while growing, 10ms), BENCH_RUNS (3),
# BENCH_CONCURRENCY (1,4,8,16), BENCH_JSON (build/bench/sync.json);
# PHALAD, PHALA_ENCLAVE, PHALA_WORKER (binaries, default build/).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
phalad=${PHALAD:-$repo/build/phalad}
enclave=${PHALA_ENCLAVE:-$repo/build/phala-enclave}
worker=${PHALA_WORKER:-$repo/build/phala-worker}
home=${BENCH_HOME:-$repo/build/bench-sync}
port_base=${BENCH_PORT_BASE:-31000}
blocks=${BENCH_BLOCKS:-10000}
max_wait=${BENCH_MAX_WAIT:-30}
fast_commit=${BENCH_FAST_COMMIT:-10ms}
runs=${BENCH_RUNS:-3}
concurrency=${BENCH_CONCURRENCY:-1,4,8,16}
json=${BENCH_JSON:-$repo/build/bench/sync.json}
bench_dir=$repo/build/bench
rpc=http://127.0.0.1:$((port_base + 1))
export GOFLAGS=${GOFLAGS:--p=1} # two cores, shared: one package at a time
mkdir -p "$bench_dir"

for bin in "$phalad" "$enclave" "$worker"; do
  [[ -x "$bin" ]] || { echo "bench-sync: $bin not found; run make build" >&2; exit 1; }
done

devnet_pid=""
tool_pid=""
devnet_log=$bench_dir/sync-devnet.log

# stop_devnet stops the devnet supervisor this script started (it stops its nodes).
stop_devnet() {
  if [[ -n "$devnet_pid" ]]; then
    kill -INT "$devnet_pid" 2>/dev/null || true
    wait "$devnet_pid" 2>/dev/null || true
    devnet_pid=""
  fi
}
cleanup() {
  if [[ -n "$tool_pid" ]]; then
    kill -TERM "$tool_pid" 2>/dev/null || true
    wait "$tool_pid" 2>/dev/null || true
  fi
  stop_devnet
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# start_devnet starts (or resumes) the devnet in the background and waits until it is ready.
start_devnet() {
  DEVNET_HOME=$home DEVNET_GATEKEEPERS=0 DEVNET_WORKERS=0 PHALAD=$phalad ./scripts/devnet.sh >"$devnet_log" 2>&1 &
  devnet_pid=$!
  for _ in $(seq 1 180); do
    grep -q '^devnet ready' "$devnet_log" && return 0
    if ! kill -0 "$devnet_pid" 2>/dev/null; then
      cat "$devnet_log"; echo "bench-sync: the devnet failed to start" >&2; exit 1
    fi
    sleep 1
  done
  cat "$devnet_log"; echo "bench-sync: devnet not ready after 180s" >&2; exit 1
}

height() { curl -sf "$rpc/status" | grep -o '"latest_block_height":"[0-9]*"' | grep -o '[0-9][0-9]*' || echo 0; }

# set_block_time rewrites the settings that pace blocks in every node's config.toml.
set_block_time() {
  local commit=$1 flush=$2 gossip=$3 cfg
  for cfg in "$home"/node*/config/config.toml; do
    sed -i -E -e "s/^timeout_commit = .*/timeout_commit = \"$commit\"/" \
      -e "s/^flush_throttle_timeout = .*/flush_throttle_timeout = \"$flush\"/" \
      -e "s/^peer_gossip_sleep_duration = .*/peer_gossip_sleep_duration = \"$gossip\"/" "$cfg"
  done
}

echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(awk '/MemTotal/ {printf "%.0f GB", $2/1048576}' /proc/meminfo), $(go version | cut -d' ' -f3), commit $(git rev-parse --short HEAD)"
echo "== building the benchmark tools"
go build -o "$bench_dir/benchsync" ./tools/benchsync
go test -c -o "$bench_dir/lightclient.test" ./enclave/lightclient/

echo "== creating a fresh 4-validator devnet under $home (ports from $port_base)"
DEVNET_HOME=$home DEVNET_RESET=1 DEVNET_VALIDATORS=4 DEVNET_CANDIDATES=0 DEVNET_GATEKEEPERS=0 DEVNET_WORKERS=0 DEVNET_PORT_BASE=$port_base \
  PHALAD=$phalad ./scripts/devnet.sh --init-only
for cfg in "$home"/node*/config/config.toml; do cp "$cfg" "$cfg.devnet"; done
set_block_time "$fast_commit" 10ms 10ms
echo "== growing the chain: timeout_commit $fast_commit, flush_throttle_timeout 10ms, peer_gossip_sleep_duration 10ms"
start_devnet
echo "== devnet ready at height $(height)"

"$bench_dir/benchsync" prepare --home "$home" --enclave "$enclave" --worker "$worker" &
tool_pid=$!
wait "$tool_pid"
tool_pid=""

start=$(date +%s)
h0=$(height)
fallback=0
while :; do
  sleep 30
  h=$(height)
  (( h >= blocks )) && break
  elapsed=$(( $(date +%s) - start ))
  rate=$(awk -v a="$h" -v b="$h0" -v t="$elapsed" 'BEGIN { if (t > 0) printf "%.1f", (a - b) / t; else print 0 }')
  eta=$(awk -v r="$rate" -v left=$(( blocks - h )) 'BEGIN { if (r > 0) printf "%.0f", left / r / 60; else print "?" }')
  echo "   height $h of $blocks, $rate blocks/s, about $eta min left"
  if (( elapsed >= max_wait * 60 )); then
    echo "== FALLBACK: only $h blocks after $max_wait min; measuring on them and extrapolating to $blocks" >&2
    fallback=1
    break
  fi
  kill -0 "$devnet_pid" 2>/dev/null || { tail -20 "$devnet_log"; echo "bench-sync: the devnet stopped" >&2; exit 1; }
done
elapsed=$(( $(date +%s) - start ))
echo "== height $(height) after $elapsed s of growth"

echo "== resuming the devnet with its own settings (timeout_commit 1s)"
stop_devnet
for cfg in "$home"/node*/config/config.toml; do mv "$cfg.devnet" "$cfg"; done
start_devnet
head=$(height)
echo "== devnet ready at height $head"

echo "== baselines, same session, one core: bare ed25519 verification and the enclave light client alone"
"$bench_dir/lightclient.test" -test.run '^$' -test.bench 'Ed25519Verify$|UpdateAdjacent/validators=4$' \
  -test.benchtime 2000x -test.count 5 -test.cpu 1 | tee "$bench_dir/sync-baseline.txt"

echo "== load average before measuring: $(cut -d' ' -f1-3 /proc/loadavg)"
min_blocks=$blocks
(( fallback )) && min_blocks=$head
echo "== timing phala-worker --once from block 1 to head ($runs runs per fetch concurrency: $concurrency)"
"$bench_dir/benchsync" measure --home "$home" --enclave "$enclave" --worker "$worker" \
  --baseline "$bench_dir/sync-baseline.txt" --runs "$runs" --concurrency "$concurrency" \
  --min-blocks "$min_blocks" --json "$json" &
tool_pid=$!
wait "$tool_pid"
tool_pid=""
(( fallback )) && echo "== FALLBACK: the chain had only $head blocks (< $blocks); the 10,000-block catch-up time is extrapolated"
echo "== done; results in $json"
