#!/usr/bin/env python3
"""Turns compare_peers.sh's RESULT lines into a markdown table: median (min-max) per peer,
workload and thread count, and weft's advantage over each peer measured in the same run
(weft / peer for rates, peer / weft for costs such as bytes per task or milliseconds)."""
import collections
import statistics
import sys

UNITS = {"w1": "tasks/s", "w2": "tasks/s", "w3": "yields/s", "w4": "round trips/s", "w5": "bytes/task",
         "w5s": "bytes/task", "w6": "ms"}
NAMES = {"w1": "W1 spawn_join", "w2": "W2 fork_join", "w3": "W3 yield_many", "w4": "W4 ping_pong",
         "w5": "W5 idle_memory", "w5s": "W5s sleep_memory", "w6": "W6 timers"}
LOWER_IS_BETTER = {"w5", "w5s", "w6"}


def fmt(v):
    if v >= 1e6:
        return f"{v / 1e6:.2f}M"
    return f"{v / 1e3:.0f}k" if v >= 1e4 else f"{v:.0f}"


def main(path):
    runs = collections.defaultdict(list)
    for line in open(path):
        if not line.startswith("RESULT"):
            continue
        kv = dict(f.split("=", 1) for f in line.split()[1:] if "=" in f)
        try:
            rate = float(kv["rate"])
        except ValueError:
            continue
        runs[(kv["w"], int(kv["threads"]), kv["peer"])].append(rate)
    print(f"| workload | threads | peer | median | min-max | runs | weft's advantage |")
    print("|---|---|---|---|---|---|---|")
    for w in ["w1", "w2", "w3", "w4", "w5", "w5s", "w6"]:
        for t in [1, 2]:
            weft = runs.get((w, t, "weft"))
            if not weft:
                continue
            wm = statistics.median(weft)
            for peer in ["weft", "tokio", "go", "asio", "tbb"]:
                r = runs.get((w, t, peer))
                if not r:
                    continue
                m = statistics.median(r)
                # Rates: weft / peer. Costs (bytes, ms): peer / weft. Above 1: weft is better.
                adv = m / wm if w in LOWER_IS_BETTER else wm / m
                ratio = "" if peer == "weft" else f"{adv:.2f}x"
                print(f"| {NAMES[w]} ({UNITS[w]}) | {t} | {peer} | {fmt(m)} | {fmt(min(r))}-{fmt(max(r))} "
                      f"| {len(r)} | {ratio} |")


if __name__ == "__main__":
    main(sys.argv[1])
