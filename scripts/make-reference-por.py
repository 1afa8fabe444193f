"""An SPSS portable file (.por) of the bundled climate data, for the reader's tests (issue 16.2):
haven cannot write .por, so pyreadstat (ReadStat's writer) does. The community stays a text
column, the missing answers system-missing; names longer than the format's 8 characters are
shortened (community -> group, organisation -> org). Run: python3 scripts/make-reference-por.py
(needs pandas and pyreadstat: pip install pyreadstat)."""
import os

import pandas as pd
import pyreadstat

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
data = pd.read_csv(os.path.join(ROOT, "examples", "data", "climate.csv")).rename(columns={"community": "group", "organisation": "org"})
pyreadstat.write_por(data, os.path.join(ROOT, "Tests", "LCCoreTests", "Reference", "climate.por"))
