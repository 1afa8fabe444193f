"""Bad input is an LcstatError with a message that names the problem, never a crash.

Each case runs in a child interpreter so that a trap (SIGILL) in the library
would show up as a dead child rather than kill pytest; the child reports the
error it got."""
import json
import os
import subprocess
import sys

import pytest

from conftest import ROOT

CASES = [
    # (name, python body that calls lcstat and must raise, expected code, words in message)
    ("unknown item column", "lcstat.agreement(df, group='g', items=['nope'])", 6, "nope"),
    ("unknown group column", "lcstat.agreement(df, group='nope', items=['a'])", 6, "nope"),
    ("value outside scale", "lcstat.agreement(df.assign(a=[1, 2, 9, 4]), group='g', items=['a'], scale=(1, 5))", 5, "outside"),
    ("infinite value", "lcstat.agreement(df.assign(a=[1, float('inf'), 2, 3]), group='g', items=['a'])", 7, "finite"),
    ("text in an item", "lcstat.agreement(df.assign(a=['x', 'y', 'z', 'w']), group='g', items=['a'])", 4, "numeric"),
    ("reverse without scale", "lcstat.agreement(df, group='g', items=['a'], reverse=['a'])", 1, "scale"),
    ("bad null name", "lcstat.agreement(df, group='g', items=['a'], scale=(1, 5), null='bogus')", 1, "bogus"),
    ("negative null variance", "lcstat.agreement(df, group='g', items=['a'], scale=(1, 5), null=-1.0)", 1, "positive"),
    ("bad missing policy", "lcstat.agreement(df, group='g', items=['a'], missing='some')", 1, "listwise"),
    ("inverted scale", "lcstat.agreement(df, group='g', items=['a'], scale=(5, 1))", 1, "low < high"),
    ("no items", "lcstat.agreement(df, group='g', items=[])", 1, "item"),
    ("alpha with one item", "lcstat.alpha(df, items=['a'])", 1, "two items"),
]

CHILD = """
import json, sys
import pandas as pd
import lcstat
df = pd.DataFrame({{'g': ['x', 'x', 'y', 'y'], 'a': [1.0, 2.0, 3.0, 3.0]}})
try:
    {body}
    print(json.dumps({{'raised': None}}))
except lcstat.LcstatError as e:
    print(json.dumps({{'raised': 'LcstatError', 'code': getattr(e, 'code', None), 'message': str(e),
                      'is_value_error': isinstance(e, ValueError)}}))
"""


@pytest.mark.parametrize("name,body,code,words", CASES, ids=[c[0] for c in CASES])
def test_bad_input_is_an_error_not_a_crash(name, body, code, words):
    p = subprocess.run([sys.executable, "-c", CHILD.format(body=body)], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, f"child died ({p.returncode}): {p.stderr[-500:]}"
    r = json.loads(p.stdout.strip().splitlines()[-1])
    assert r["raised"] == "LcstatError", r
    assert r["is_value_error"]
    assert r["code"] == code, r
    assert words in r["message"], r


FILES = [
    ("missing file", None, 2, "cannot open"),
    ("empty file", b"", 3, "empty"),
    ("header only", b"g,a\n", 3, "no data rows"),
    ("ragged row", b"g,a\nx,1\ny,2,3\n", 3, "line 3"),
    ("non-numeric cell", b"g,a\nx,1\ny,abc\n", 4, "abc"),
    ("NaN text", b"g,a\nx,1\ny,NaN\n", 7, "NaN"),
    ("overflow", b"g,a\nx,1\ny,1e309\n", 7, "1e309"),
    ("decimal comma in a point file", b"g;a\nx;1.5\ny;2,5\n", 3, "decimal"),
    ("binary", b"g,a\nx,\x00\n", 3, "binary"),
    ("bad utf-8", b"g,a\n\xff\xfe,1\n", 3, "UTF-8"),
    ("duplicate column", b"g,g\nx,1\n", 3, "twice"),
    ("empty column name", b"g,\nx,1\n", 3, "no name"),
    ("unterminated quote", b'g,a\n"x,1\n', 3, "never closed"),
    ("out of scale", b"g,a\nx,1\ny,7\n", 5, "7"),
]


@pytest.mark.parametrize("name,content,code,words", FILES, ids=[f[0] for f in FILES])
def test_bad_files_through_the_cli(tmp_path, name, content, code, words):
    cli = os.path.join(ROOT, "dist", "bin", "lcstat")
    if not os.path.exists(cli):
        pytest.skip("dist/bin/lcstat not built (scripts/build-lib)")
    path = tmp_path / "in.csv"
    if content is not None:
        path.write_bytes(content)
    p = subprocess.run([cli, "agreement", str(path), "--group", "g", "--items", "a", "--scale", "1:5", "--format", "csv"],
                       capture_output=True, timeout=60)
    assert p.returncode == code, (p.returncode, p.stderr)
    assert words.encode() in p.stderr, p.stderr
    assert p.stdout == b""


FILE_CHILD = """
import json, sys
import lcstat
try:
    lcstat.agreement(sys.argv[1], group='g', items=['a'], scale=(1, 5))
    print(json.dumps({'raised': None}))
except lcstat.LcstatError as e:
    print(json.dumps({'raised': 'LcstatError', 'code': e.code, 'message': str(e)}))
"""


@pytest.mark.parametrize("name,content,code,words", FILES, ids=[f[0] for f in FILES])
def test_bad_files_through_python(tmp_path, name, content, code, words):
    """The same files through lcstat's reader from Python, in a child that must survive."""
    path = tmp_path / "in.csv"
    if content is not None:
        path.write_bytes(content)
    p = subprocess.run([sys.executable, "-c", FILE_CHILD, str(path)], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, f"child died ({p.returncode}): {p.stderr[-500:]}"
    r = json.loads(p.stdout.strip().splitlines()[-1])
    assert r["raised"] == "LcstatError" and r["code"] == code, r
    assert words in r["message"], r


def test_hard_but_valid_data_get_defined_answers():
    import math
    import pandas as pd
    import lcstat
    df = pd.DataFrame({"g": ["one", "const", "const", "const", "pair", "pair"],
                       "a": [3, 3, 3, 3, 1, 5], "b": [2, 3, 3, 3, float("nan"), float("nan")]})
    t = lcstat.agreement(df, group="g", items=["a", "b"], scale=(1, 5), extra=True).set_index("group")
    assert math.isnan(t.loc["one", "rwg_j"]) and "group of one" in t.loc["one", "note"]
    assert t.loc["const", "rwg_j"] == 1.0 and t.loc["const", "awg"] == 1.0
    assert t.loc["pair", "n_items"] == 1  # b has no answers there: left out, a is used
    # all answers at 5 of 1..5: awg is 1 by R's rule for a mean at a scale end
    ends = lcstat.agreement(pd.DataFrame({"g": ["x"] * 3, "a": [5, 5, 5]}), group="g", items=["a"], scale=(1, 5))
    assert ends["awg"][0] == 1.0 and ends["rwg_j"][0] == 1.0


TABLE_MISUSE = """
import numpy as np
from lcstat import _lcstat
t = _lcstat.run("null_distribution", None, {"group_size": 3, "n_items": 1, "method": "exact", "scale": (1.0, 5.0)})
n, layout, notes = _lcstat.table_layout(t)
f = [i for i, (name, kind, extra) in enumerate(layout) if kind == "f"][0]
outcomes = []
for call in (lambda: _lcstat.table_column(t, f, np.empty(n + 1)),            # wrong length
             lambda: _lcstat.table_column(t, f, np.empty(n, dtype=np.bool_)),  # wrong type
             lambda: _lcstat.table_column(t, f, np.empty(n)[::-1]),            # not contiguous
             lambda: _lcstat.table_column(t, f, b"x" * (8 * n)),               # read-only
             lambda: _lcstat.table_column(t, 999, np.empty(n)),                # no such column
             lambda: _lcstat.table_column(t, -1),
             lambda: _lcstat.table_column(t, f),                               # a numeric column without a buffer
             lambda: _lcstat.table_layout(object()),
             lambda: _lcstat.run("null_distribution", None, {"group_size": "3"}),   # a setting of the wrong type
             lambda: _lcstat.run("null_distribution", None, {"colour": "red"})):   # no such setting
    try:
        call(); outcomes.append("no error")
    except Exception as e:
        outcomes.append(type(e).__name__)
print(",".join(outcomes))
"""


def test_private_table_readers_refuse_bad_buffers_and_columns():
    """The extension's table readers check every buffer and index (the Python API
    never passes bad ones, but a crash here would take the kernel down)."""
    p = subprocess.run([sys.executable, "-c", TABLE_MISUSE], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    outcomes = p.stdout.strip().split(",")
    assert outcomes[:2] == ["ValueError", "TypeError"]
    assert outcomes[2] in ("TypeError", "ValueError")           # numpy refuses a C-contiguous view of a reversed array
    assert outcomes[3] == "BufferError"
    assert outcomes[4:6] == ["LcstatError"] * 2
    assert outcomes[6] == "TypeError"
    assert outcomes[7] in ("TypeError", "ValueError")
    assert outcomes[8:] == ["TypeError", "ValueError"]
