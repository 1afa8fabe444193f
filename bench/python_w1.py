#!/usr/bin/env python3
"""In-process timings on a W1 file, side by side in one Python process (medians of REPS):
pandas.read_csv (the bare read), lcstat on that DataFrame, and lcstat reading the file itself.

    python3 bench/python_w1.py FILE [REPS]
"""
import statistics
import sys
import time

import pandas as pd

import lcstat

path = sys.argv[1]
reps = int(sys.argv[2]) if len(sys.argv) > 2 else 3
items = [f"q{i}" for i in range(1, 9)]


def timed(f):
    out = []
    for _ in range(reps):
        t0 = time.perf_counter()
        f()
        out.append(time.perf_counter() - t0)
    return statistics.median(out)


df = pd.read_csv(path)
rows = {
    "pandas.read_csv (bare read)": timed(lambda: pd.read_csv(path)),
    "lcstat.agreement(DataFrame)": timed(lambda: lcstat.agreement(df, group="group", items=items, scale=(1, 5))),
    "lcstat.icc(DataFrame)": timed(lambda: lcstat.icc(df, group="group", items=items)),
    "lcstat.agreement(path): read + all indices": timed(lambda: lcstat.agreement(path, group="group", items=items, scale=(1, 5))),
    "lcstat.icc(path): read + ICC": timed(lambda: lcstat.icc(path, group="group", items=items)),
}
base = rows["pandas.read_csv (bare read)"]
for k, v in rows.items():
    print(f"{k:45s} {v:7.3f} s  {v / base:5.2f}x the bare read")
