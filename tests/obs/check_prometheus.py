#!/usr/bin/env python3
"""Parses a file in the Prometheus text exposition format with prometheus_client's parser
(Debian: python3-prometheus-client) and checks weft's families: each histogram's buckets
are cumulative and end in +Inf == _count; the expected families are present.
Usage: check_prometheus.py FILE FAMILY...   Exit 0 if it parses and every check holds."""
import sys

from prometheus_client.parser import text_string_to_metric_families


def main() -> int:
    text = open(sys.argv[1], encoding="utf-8").read()
    families = {f.name: f for f in text_string_to_metric_families(text)}
    ok = True
    for want in sys.argv[2:]:
        if want not in families:
            print(f"missing family {want}; have {sorted(families)}")
            ok = False
    for f in families.values():
        if f.type != "histogram":
            continue
        series = {}
        for s in f.samples:
            key = tuple(sorted((k, v) for k, v in s.labels.items() if k != "le"))
            series.setdefault(key, {"buckets": [], "count": None})
            if s.name.endswith("_bucket"):
                series[key]["buckets"].append((float(s.labels["le"]), s.value))
            elif s.name.endswith("_count"):
                series[key]["count"] = s.value
        for key, d in series.items():
            b = d["buckets"]
            if not b or b[-1][0] != float("inf"):
                print(f"{f.name}{key}: no +Inf bucket")
                ok = False
                continue
            if any(b[i][1] > b[i + 1][1] for i in range(len(b) - 1)):
                print(f"{f.name}{key}: buckets not cumulative: {b}")
                ok = False
            if d["count"] is None or d["count"] != b[-1][1]:
                print(f"{f.name}{key}: +Inf bucket {b[-1][1]} != count {d['count']}")
                ok = False
    print(f"parsed {len(families)} families" + ("" if ok else " (with errors)"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
