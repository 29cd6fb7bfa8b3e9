#!/bin/bash
# The crawl benchmark: examples/crawler against the same crawler in asyncio + aiohttp (and
# aiohttp on uvloop), fetching PAGES small pages from one local server with 64 in flight,
# alternating in one run. The server is nginx (../shared/peers/nginx, 1 worker, pinned to
# CPU 1, a 13-byte page at every path); the crawlers run on CPU 0. Reported per crawler:
# pages/s (PAGES / wall time), the crawler's CPU seconds (user+sys) and pages per CPU-second.
#   benchmarks/compare_crawl.sh [REPS]      Env: BUILD (build-release), PAGES (10000), OUT
set -euo pipefail
cd "$(dirname "$0")/.."
REPS=${1:-3}
BUILD=${BUILD:-build-release}
PAGES=${PAGES:-10000}
PEERS_DIR=${PEERS_DIR:-../shared/peers}
OUT=${OUT:-bench-results/crawl-$(date +%Y%m%d-%H%M%S).txt}
mkdir -p "$(dirname "$OUT")"
if [ ! -x "$BUILD/examples/crawler" ]; then
  [ -d "$BUILD" ] || meson setup "$BUILD" -Dbuildtype=release -Dtests=disabled >/dev/null
  ninja -C "$BUILD" -j2 examples/crawler >/dev/null
fi
/usr/bin/python3 -c "import aiohttp, uvloop" 2>/dev/null || scripts/setup.sh --peers

port=$((17600 + RANDOM % 200))
work=$(mktemp -d)
trap 'kill $npid 2>/dev/null || true; rm -rf "$work"' EXIT
taskset -c 1 "$PEERS_DIR/nginx/run.sh" http 1 "$port" >/dev/null 2>&1 &
npid=$!
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.05; done
for i in $(seq "$PAGES"); do echo "http://127.0.0.1:$port/page/$i"; done > "$work/urls"

run_one() {  # NAME COMMAND...
  local name=$1; shift
  /usr/bin/time -o "$work/time" -f "%e %U %S" taskset -c 0 "$@" > "$work/out" 2>/dev/null || true
  local wall user sys ok
  read -r wall user sys < <(tail -1 "$work/time")
  ok=$(grep -c " 200 13 " "$work/out" || true)
  echo "RESULT crawler=$name pages=$PAGES ok=$ok wall_s=$wall cpu_s=$(awk -v u="$user" -v s="$sys" 'BEGIN{printf "%.2f", u+s}')" \
       "rate=$(awk -v p="$PAGES" -v w="$wall" 'BEGIN{printf "%.0f", p/w}') rep=$rep" | tee -a "$OUT"
}

for rep in $(seq "$REPS"); do
  # shellcheck disable=SC2046
  run_one weft "$BUILD/examples/crawler" --concurrency 64 --timeout-ms 30000 $(cat "$work/urls")
  run_one aiohttp /usr/bin/python3 benchmarks/crawl_aiohttp.py --concurrency 64 --timeout-ms 30000 --urls-from "$work/urls"
  run_one aiohttp-uvloop /usr/bin/python3 benchmarks/crawl_aiohttp.py --uvloop --concurrency 64 --timeout-ms 30000 \
    --urls-from "$work/urls"
done
python3 - "$OUT" <<'PY'
import re, statistics, sys
from collections import defaultdict
runs = defaultdict(list)
for line in open(sys.argv[1]):
    if line.startswith("RESULT crawler="):
        kv = dict(re.findall(r"(\w+)=(\S+)", line))
        runs[kv["crawler"]].append((float(kv["rate"]), float(kv["cpu_s"]), int(kv["ok"]), int(kv["pages"])))
weft = statistics.median(r[0] for r in runs["weft"]) if "weft" in runs else None
print("| crawler | pages/s (min-max) | client CPU s | pages per CPU-s | pages ok | x aiohttp |")
print("|---|---|---|---|---|---|")
aio = statistics.median(r[0] for r in runs["aiohttp"]) if "aiohttp" in runs else None
for name, rs in runs.items():
    rate = statistics.median(r[0] for r in rs)
    cpu = statistics.median(r[1] for r in rs)
    pages = rs[0][3]
    print(f"| {name} | {rate:,.0f} ({min(r[0] for r in rs):,.0f}-{max(r[0] for r in rs):,.0f}) | {cpu:.2f} |"
          f" {pages / cpu:,.0f} | {min(r[2] for r in rs)}/{pages} | {rate / aio:.2f} |" if aio else "")
print(f"(medians of {max(len(v) for v in runs.values())} runs; raw lines in {sys.argv[1]})")
PY
