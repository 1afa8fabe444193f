#!/usr/bin/env python3
"""Times lcstat from Python on a W1 file: read_csv, agreement, ICC (python3 bench/python_w1.py FILE)."""
import sys, time
import pandas as pd, lcstat
t0 = time.perf_counter()
df = pd.read_csv(sys.argv[1])
t1 = time.perf_counter()
items = [f"q{i}" for i in range(1, 9)]
a = lcstat.agreement(df, group="group", items=items, scale=(1, 5))
t2 = time.perf_counter()
i = lcstat.icc(df, group="group", items=items)
t3 = time.perf_counter()
print(f"read {t1-t0:.3f} agreement {t2-t1:.3f} icc {t3-t2:.3f}")
