#!/usr/bin/env python3
"""Draws a weft-bench --json file: per scenario, throughput and per-thread efficiency
against the worker count, and peak memory. Uses matplotlib (Debian: python3-matplotlib).

Usage: plot.py RESULTS.json OUT.png"""
import json
import sys

import matplotlib

matplotlib.use("Agg")  # no display needed
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    with open(sys.argv[1], encoding="utf-8") as f:
        doc = json.load(f)
    results = doc.get("results")
    if not results:
        print(f"plot.py: {sys.argv[1]} has no results", file=sys.stderr)
        return 1
    series = {}
    for r in results:
        series.setdefault((r["scenario"], r["driver"], r["unit"]), []).append(r)
    fig, axes = plt.subplots(1, 3, figsize=(16, 4.8))
    tput, eff, mem = axes
    for (scenario, driver, unit), rs in series.items():
        rs.sort(key=lambda r: r["threads"])
        threads = [r["threads"] for r in rs]
        label = f"{scenario} ({driver})"
        lower_better = unit in ("bytes/task", "ms")
        if not lower_better:
            base = rs[0]["median"] if rs[0]["median"] > 0 else 1
            tput.plot(threads, [r["median"] / base for r in rs], marker="o", label=label)
            one = next((r["median"] for r in rs if r["threads"] == 1), None)
            if one:
                eff.plot(threads, [100 * r["median"] / r["threads"] / one for r in rs], marker="o", label=label)
        mem.plot(threads, [r.get("peak_rss_bytes", 0) / 2**20 for r in rs], marker="o", label=label)
    tput.set_title("throughput (relative to the fewest workers)")
    eff.set_title("per-thread efficiency vs 1 worker (%)")
    mem.set_title("peak RSS (MiB)")
    for ax in axes:
        ax.set_xlabel("workers")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(True, alpha=0.3)
        if ax.has_data():
            ax.legend(fontsize=7)
    machine = doc.get("machine", {})
    fig.suptitle(f"weft-bench on {machine.get('cpu_model', '?')}, {machine.get('cpus', '?')} CPUs, "
                 f"{machine.get('build_type', '?')} build")
    fig.tight_layout()
    fig.savefig(sys.argv[2], dpi=100)
    return 0


if __name__ == "__main__":
    sys.exit(main())
