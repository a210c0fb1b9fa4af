#!/usr/bin/env python3
"""Medians of a benches/compare-eecbs.sh run, as the Markdown table of the README.

    python3 benches/summarise-eecbs.py benches/results/compare-eecbs-2026-12-01.tsv [time column]

Per map x agents and solver: runs solved / runs, the median time over all runs (an
unsolved run counts as longer than the limit, so the median is "> limit" when half or
more are unsolved) and the median SoC / soc_lb over the solved runs. The time column is
cpu_s (default: process CPU time) or time_s (the solver's own figure) or wall_s.
"""
import statistics
import sys
from collections import OrderedDict

COLUMNS = ["solver", "map", "agents", "scen", "solved", "time_s", "soc", "soc_lb",
           "wall_s", "search_lb", "cpu_s"]
SOLVERS = ["corridor-cbs", "corridor-eecbs", "EECBS"]


def main():
    path = sys.argv[1]
    time_col = sys.argv[2] if len(sys.argv) > 2 else "cpu_s"
    cells = OrderedDict()
    for line in open(path):
        f = dict(zip(COLUMNS, line.rstrip("\n").split("\t")))
        cells.setdefault((f["map"], int(f["agents"])), {}).setdefault(f["solver"], []).append(f)
    print("| instance | " + " | ".join(SOLVERS) + " |")
    print("|---|" + "---|" * len(SOLVERS))
    for (m, n), by in cells.items():
        row = []
        for s in SOLVERS:
            runs = by.get(s, [])
            if not runs:
                row.append("–")
                continue
            ok = [r for r in runs if r["solved"] == "1"]
            times = sorted(float(r[time_col]) if r["solved"] == "1" else float("inf")
                           for r in runs)
            med = statistics.median_low(times) if len(times) % 2 == 0 else statistics.median(times)
            t = "> 30 s" if med == float("inf") else f"{med:.2f} s"
            ratio = (f"{statistics.median(int(r['soc']) / int(r['soc_lb']) for r in ok):.3f}"
                     if ok else "–")
            row.append(f"{len(ok)}/{len(runs)}, {t}, {ratio}")
        print(f"| {m} × {n} | " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
