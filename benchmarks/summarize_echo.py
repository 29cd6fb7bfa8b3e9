#!/usr/bin/env python3
"""Table of W7 medians from compare_echo.sh's RESULT lines, with ratios to cepoll and tokio."""
import re
import statistics
import sys
from collections import defaultdict


def main(path):
    runs = defaultdict(list)
    for line in open(path):
        if not line.startswith("RESULT load=echo"):
            continue
        kv = dict(re.findall(r"(\w+)=(\S+)", line))
        cpu = float(kv["server_cpu_s"])
        rt = float(kv["roundtrips"])
        runs[(kv["config"], kv["server"])].append(
            (float(kv["rate"]), rt / cpu if cpu > 0 else float("nan"), cpu, float(kv["p50_us"]), float(kv["p99_us"])))
    med = {k: [statistics.median(c) for c in zip(*v)] for k, v in runs.items()}
    print(f"{'config':<6} {'server':<14} {'rt/s':>9} {'rt/server-CPU-s':>16} {'CPU s':>6} {'p50 us':>7} {'p99 us':>7}"
          f" {'x cepoll':>9} {'eff x cepoll':>13} {'x tokio':>8}")
    for (config, server), (rate, eff, cpu, p50, p99) in sorted(med.items()):
        ce = med.get((config, "cepoll"))
        to = med.get((config, "tokio"))
        print(f"{config:<6} {server:<14} {rate:>9.0f} {eff:>16.0f} {cpu:>6.2f} {p50:>7.0f} {p99:>7.0f}"
              f" {rate / ce[0] if ce else float('nan'):>9.2f} {eff / ce[1] if ce else float('nan'):>13.2f}"
              f" {rate / to[0] if to else float('nan'):>8.2f}")
    print(f"(medians of {max(len(v) for v in runs.values())} runs; raw lines in {path})")


if __name__ == "__main__":
    main(sys.argv[1])
