#!/bin/bash
# The README's "main job": installs the dependencies, builds weft in release mode and runs
# weft-bench (../shared/bench-protocol.md), passing every argument through.
# Usage: scripts/bench.sh [weft-bench options]
#   e.g. scripts/bench.sh --scenario fork_join --threads 1..4 --reps 5 --json results.json
# Without --json/--plot it writes bench-results/weft-bench.json and .png (and says so).
# Paths given to weft-bench (--json) are relative to the directory it was started from.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$root/build-release"

"$root/scripts/setup.sh"
if [ ! -f "$build/build.ninja" ]; then
  meson setup "$build" "$root" -Dbuildtype=release -Dtests=disabled
fi
ninja -C "$build" -j2
# Unless told otherwise, the results go to bench-results/: the JSON (for --baseline next
# time) and a plot of throughput, efficiency and memory against workers.
extra=()
case " $* " in
  *" --json "*|*" --plot "*) ;;
  *) mkdir -p "$root/bench-results"
     extra=(--json "$root/bench-results/weft-bench.json" --plot "$root/bench-results/weft-bench.png") ;;
esac
"$build/benchmarks/weft-bench" "$@" "${extra[@]}"
if [ ${#extra[@]} -gt 0 ]; then
  echo "results: $root/bench-results/weft-bench.json, plot: $root/bench-results/weft-bench.png"
fi
