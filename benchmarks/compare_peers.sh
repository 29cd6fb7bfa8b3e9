#!/bin/bash
# Runs weft-bench and the peer programs of ../shared/peers on W1-W4, W5s and W6, alternating
# (weft, tokio, go, asio, tbb, weft, ...) so that machine noise hits all alike, and prints
# a table of medians with weft/peer ratios (see ../shared/bench-protocol.md).
#   benchmarks/compare_peers.sh [REPS]       (default 5; needs scripts/setup.sh --peers)
# Env: PEERS_DIR (default ../shared/peers), BUILD (default build-release), OUT (raw lines).
set -euo pipefail
cd "$(dirname "$0")/.."
REPS=${1:-5}
PEERS_DIR=${PEERS_DIR:-../shared/peers}
BUILD=${BUILD:-build-release}
OUT=${OUT:-bench-results/peers-$(date +%Y%m%d-%H%M%S).txt}
mkdir -p "$(dirname "$OUT")"

scripts/setup.sh --peers
if [ ! -x "$BUILD/benchmarks/weft-bench" ]; then
  [ -d "$BUILD" ] || meson setup "$BUILD" -Dbuildtype=release -Dtests=disabled >/dev/null
  ninja -C "$BUILD" -j2 benchmarks/weft-bench >/dev/null
fi

# The peers' sources are read-only: build a private copy once.
work=build-peers
if [ ! -x "$work/tokio/target/release/bench" ] || [ ! -x "$work/go/bin/peersgo" ]; then
  rm -rf "$work" && cp -r "$PEERS_DIR" "$work" && chmod -R u+w "$work"
  for p in tokio go asio tbb; do echo "== build $p" >&2; "$work/$p/run.sh" build >/dev/null; done
fi

declare -A scenario=([w1]=spawn_join [w2]=fork_join [w3]=yield_many [w4]=ping_pong [w5]=idle_memory [w5s]=sleep_memory [w6]=timers)
WORKLOADS=${WORKLOADS:-w1 w2 w3 w4 w5 w5s w6}
json=$(mktemp)
trap 'rm -f "$json"' EXIT
for rep in $(seq "$REPS"); do
  for w in $WORKLOADS; do
    for t in 1 2; do
      "$BUILD/benchmarks/weft-bench" --scenario "${scenario[$w]}" --threads "$t" --reps 1 --json "$json" >/dev/null 2>&1
      rate=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["results"][0]["median"])' "$json")
      echo "RESULT peer=weft w=$w threads=$t rate=$rate rep=$rep" | tee -a "$OUT"
      for p in tokio go asio tbb; do
        [ "$p" = tbb ] && [ "$w" != w1 ] && [ "$w" != w2 ] && continue
        line=$(timeout 300 "$work/$p/run.sh" bench "$w" "$t" | grep '^RESULT' || echo "RESULT peer=$p w=$w threads=$t rate=nan")
        echo "$line rep=$rep" | tee -a "$OUT"
      done
    done
  done
done
python3 benchmarks/summarize_peers.py "$OUT"
