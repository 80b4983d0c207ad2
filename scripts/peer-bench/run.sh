#!/usr/bin/env bash
# calltop vs the official ringcentral-call-control SDK on the same generated stream:
# events/s of each, the ratio (measured in this run), and an end-state comparison that
# fails (exit 1) on any difference no documented SDK rule explains.
#
# Usage: scripts/peer-bench/run.sh [EVENTS]        (default 200000; 1000000 documented)
# Env:   CONCURRENT (1000)  SEED (7)  ASIS_EVENTS (10000)  REPEAT (1)  OUT (target/peer-bench)
#
# Two SDK runs:
#   1. the SDK as shipped, on the first ASIS_EVENTS events (its per-event sweep of the
#      sequence map makes it quadratic: 200k events as shipped take about an hour here);
#   2. the SDK with that sweep disabled (shown to be a no-op during the run), on all EVENTS.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
events="${1:-200000}"
concurrent="${CONCURRENT:-1000}"
seed="${SEED:-7}"
asis="${ASIS_EVENTS:-10000}"
repeat="${REPEAT:-1}"
out="${OUT:-$root/target/peer-bench}"
case "$events$asis$concurrent$seed$repeat" in *[!0-9]*) echo "peer-bench: numbers only" >&2; exit 2;; esac
[ "$asis" -le "$events" ] || asis="$events"

command -v node >/dev/null || { echo "peer-bench: node not found" >&2; exit 2; }
echo "== build (release)"
(cd "$root" && cargo build --release --quiet --example gen_stream --bin calltop)
echo "== npm (ringcentral-call-control, @ringcentral/sdk)"
(cd "$here" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)

mkdir -p "$out"
full="$out/stream-$events-c$concurrent-s$seed.jsonl"
prefix="$out/stream-$asis-c$concurrent-s$seed.jsonl"
echo "== generate: $events events, $concurrent concurrent calls, seed $seed"
"$root/target/release/examples/gen_stream" --events "$events" --concurrent "$concurrent" --seed "$seed" --out "$full"
[ "$prefix" = "$full" ] || "$root/target/release/examples/gen_stream" --events "$asis" --concurrent "$concurrent" --seed "$seed" --out "$prefix"

echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), load $(cut -d' ' -f1-3 /proc/loadavg)"
status=0
echo
echo "== 1/2 SDK as shipped, $asis events"
node "$here/bench.js" --stream "$prefix" --calltop "$root/target/release/calltop" --sdk as-shipped --repeat "$repeat" || status=1
echo
echo "== 2/2 SDK without its per-event sequence sweep, $events events"
node "$here/bench.js" --stream "$full" --calltop "$root/target/release/calltop" --sdk no-sweep --repeat "$repeat" || status=1
echo
[ "$status" -eq 0 ] && echo "peer-bench: OK" || echo "peer-bench: FAILED" >&2
exit "$status"
