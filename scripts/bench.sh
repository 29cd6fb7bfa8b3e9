#!/bin/bash
# The README's "main job": installs the dependencies, builds weft in release mode and runs
# weft-bench (../shared/bench-protocol.md), passing every argument through.
# Usage: scripts/bench.sh [weft-bench options]
#   e.g. scripts/bench.sh --scenario fork_join --threads 1,2 --reps 5 --json results.json
# Paths given to weft-bench (--json) are relative to the directory it was started from.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$root/build-release"

"$root/scripts/setup.sh"
if [ ! -f "$build/build.ninja" ]; then
  meson setup "$build" "$root" -Dbuildtype=release -Dtests=disabled
fi
ninja -C "$build" -j2
exec "$build/benchmarks/weft-bench" "$@"
