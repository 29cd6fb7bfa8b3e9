#!/usr/bin/env python3
"""Table of W8 medians from compare_http.sh's RESULT lines: requests/s, requests per server
CPU-second, and their ratios to nginx and to the C epoll reference (cepoll) of the same config."""
import re
import statistics
import sys
from collections import defaultdict


def main(path):
    runs = defaultdict(list)
    for line in open(path):
        if not line.startswith("RESULT load=wrk"):
            continue
        kv = dict(re.findall(r"(\w+)=(\S+)", line))
        cpu = float(kv["server_cpu_s"])
        n = float(kv["requests"])
        runs[(kv["config"], kv["server"])].append(
            (float(kv["rate"]), n / cpu if cpu > 0 else float("nan"), cpu, float(kv["p50_us"]), float(kv["p99_us"]),
             int(kv["wrk_error_lines"])))
    med = {k: [statistics.median(c) for c in zip(*v)] for k, v in runs.items()}
    print(f"| config | server | requests/s (min-max) | per server CPU-s | server CPU s | p50 / p99 us |"
          f" x nginx | eff x nginx | x cepoll | eff x cepoll | wrk errors |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for config in ("pin1", "unp2"):
        rows = sorted(((k, v) for k, v in med.items() if k[0] == config), key=lambda kv: -kv[1][1])
        ng = med.get((config, "nginx"))
        ce = med.get((config, "cepoll"))
        for (cfg, server), (rate, eff, cpu, p50, p99, errs) in rows:
            rates = [r[0] for r in runs[(cfg, server)]]
            ratio = lambda a, b: f"{a / b:.2f}" if b else "-"
            print(f"| {cfg} | {server} | {rate:,.0f} ({min(rates):,.0f}-{max(rates):,.0f}) | {eff:,.0f} | {cpu:.2f} |"
                  f" {p50:.0f} / {p99:.0f} | {ratio(rate, ng[0]) if ng else '-'} | {ratio(eff, ng[1]) if ng else '-'} |"
                  f" {ratio(rate, ce[0]) if ce else '-'} | {ratio(eff, ce[1]) if ce else '-'} | {errs:.0f} |")
    print(f"(medians of {max(len(v) for v in runs.values())} runs; raw lines in {path})")


if __name__ == "__main__":
    main(sys.argv[1])
