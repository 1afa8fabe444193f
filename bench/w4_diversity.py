"""Adds `diversity` to a W4 file, as peers.R's w4_prep computes it for lmm.w4.scale: each
community's SD (n - 1) of lgo over its persons (one value per person), minus the mean of
those SDs over communities. Usage: python3 bench/w4_diversity.py IN.csv OUT.csv"""
import sys

import pandas as pd

d = pd.read_csv(sys.argv[1])
persons = d.drop_duplicates("person")
sd = persons.groupby("community")["lgo"].std(ddof=1)
d["diversity"] = d["community"].map(sd - sd.mean())
d.to_csv(sys.argv[2], index=False)
