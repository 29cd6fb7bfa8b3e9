#!/bin/bash
# Same-pass A/B of two weft builds: alternating runs of each scenario, old then new, and
# per pair the CPU time of the process tree (perf's task-clock) next to the figure
# weft-bench reports. CPU time per run is the steadier signal on a busy machine; the
# summary prints the median of the paired new/old ratios and their range.
# Usage: benchmarks/ab.sh OLD_WEFT_BENCH NEW_WEFT_BENCH [PAIRS] [THREADS] [SCENARIOS]
#   e.g. benchmarks/ab.sh /tmp/old/build/benchmarks/weft-bench build-release/benchmarks/weft-bench 5 1
# Needs perf (Debian: linux-perf) with perf_event_paranoid <= 2.
set -euo pipefail
old=$1 new=$2 pairs=${3:-5} threads=${4:-1}
scenarios=${5:-spawn_join,fork_join,yield_many,ping_pong,idle_memory,timers,echo}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
csv="$tmp/ab.csv"
for ((rep = 1; rep <= pairs; rep++)); do
  for s in ${scenarios//,/ }; do
    extra=()
    [ "$s" = echo ] && extra=(--duration 2 --driver epoll)
    for v in old new; do
      bin=$old
      [ "$v" = new ] && bin=$new
      reported=$(perf stat -x, -e task-clock -o "$tmp/perf.txt" "$bin" --scenario "$s" --threads "$threads" \
        --reps 1 "${extra[@]}" 2>&1 | awk -v s="$s" '$1 == s { print $5; exit }')
      cpu=$(awk -F, '/task-clock/ { print $1 }' "$tmp/perf.txt")
      echo "$s,$v,$rep,$cpu,$reported" >>"$csv"
    done
  done
done
python3 - "$csv" <<'PY'
import csv, re, statistics, sys
def value(text):
    m = re.match(r'([\d.]+)([kM]?)', text)
    return float(m.group(1)) * {'': 1, 'k': 1e3, 'M': 1e6}[m.group(2)]
runs = {}
for s, v, rep, cpu, reported in csv.reader(open(sys.argv[1])):
    runs[(s, v, rep)] = (float(cpu), value(reported))
print(f"{'scenario':12}  cpu new/old (median, range)   reported new/old (median, range)")
for s in dict.fromkeys(k[0] for k in runs):
    reps = sorted({k[2] for k in runs if k[0] == s})
    cpu = [runs[(s, 'new', r)][0] / runs[(s, 'old', r)][0] for r in reps]
    rep = [runs[(s, 'new', r)][1] / runs[(s, 'old', r)][1] for r in reps]
    print(f"{s:12}  {statistics.median(cpu):.2f} ({min(cpu):.2f}-{max(cpu):.2f})"
          f"              {statistics.median(rep):.2f} ({min(rep):.2f}-{max(rep):.2f})")
PY
