"""At home in a notebook (issue 16.3): tables show their notes, fits display as HTML, summary()
is a value rather than a print, fits pickle (and cross process boundaries), and
plot_consensus tells more than ten communities apart."""
import os
import pickle
from concurrent.futures import ProcessPoolExecutor

import pandas as pd
import pytest

import lcstat
from conftest import ROOT

CLIMATE = os.path.join(ROOT, "examples", "data", "climate.csv")
TRANSFER = os.path.join(ROOT, "examples", "data", "transfer.csv")
ITEMS = ["lc1", "lc2", "lc3", "lc4", "lc5", "lc6"]
FORMULA = "sharing ~ session + within(support, person) + between(support, person) + (1 + session | person) + (1 | community)"


def _fit():
    return lcstat.transfer(pd.read_csv(TRANSFER), FORMULA, progress=False)


def test_tables_show_their_notes():
    t = lcstat.agreement(pd.read_csv(CLIMATE), group="community", items=ITEMS, scale=(1, 5), reverse=["lc4"])
    assert isinstance(t, lcstat.Result) and isinstance(t, pd.DataFrame) and t.attrs["notes"]
    html = t._repr_html_()
    assert "lcstat-notes" in html and all(n.replace("&", "&amp;").replace("<", "&lt;")[:30] in html for n in t.attrs["notes"])
    assert repr(t).endswith(t.attrs["notes"][-1]) and "\n# " in repr(t)
    assert type(t.head()) is pd.DataFrame          # derived frames are plain pandas


def test_summary_is_a_value_formatted_as_the_cli(capsys):
    fit = _fit()
    s = fit.summary()
    assert capsys.readouterr().out == ""           # no print as a side effect
    assert isinstance(s, str) and repr(s) == str(s) and s.startswith("Linear mixed model fit by REML")
    # p-values and estimates as the CLI's text tables show them: 4 decimals
    row = next(line for line in s.splitlines() if line.strip().startswith("session "))
    assert all(len(cell.split(".")[1]) == 4 for cell in row.split()[1:] if "." in cell)
    html = fit._repr_html_()
    assert "Fixed effects" in html and "Random effects" in html and "<table" in html


def test_fits_pickle_and_cross_processes():
    fit = _fit()
    back = pickle.loads(pickle.dumps(fit))
    pd.testing.assert_frame_equal(back.fixed, fit.fixed)
    pd.testing.assert_series_equal(back.fitted(), fit.fitted())
    pd.testing.assert_frame_equal(back.ranef(), fit.ranef())
    assert back.r2().equals(fit.r2()) and back.fit == fit.fit
    with pytest.raises(lcstat.LcstatError, match="unpickled"):
        back.predict(pd.read_csv(TRANSFER))
    with ProcessPoolExecutor(max_workers=1) as pool:      # a worker returns a fit
        remote = pool.submit(_fit).result()
    pd.testing.assert_frame_equal(remote.fixed, fit.fixed)


def test_plot_consensus_tells_communities_apart():
    pytest.importorskip("matplotlib")
    import matplotlib
    matplotlib.use("Agg")
    df = pd.read_csv(CLIMATE)
    t = lcstat.consensus_over_time(df, group="community", wave="session", items=ITEMS, scale=(1, 5), reverse=["lc4"])
    # the 12 communities, and 36 made from them
    many = pd.concat([t.assign(group=t["group"] + f" {k}") for k in range(3)], ignore_index=True)
    for table, groups in ((t, 12), (many, 36)):
        ax = lcstat.plot_consensus(table)
        styles = {(matplotlib.colors.to_hex(line.get_color()), line.get_marker(), line.get_linestyle()) for line in ax.get_lines()
                  if line.get_label() and not line.get_label().startswith("_")}
        assert len(styles) == groups
        matplotlib.pyplot.close("all")


def test_tables_come_back_as_arrow():
    pa = pytest.importorskip("pyarrow")
    t = lcstat.agreement(pd.read_csv(CLIMATE), group="community", items=ITEMS, scale=(1, 5), reverse=["lc4"])
    a = t.to_arrow()
    assert isinstance(a, pa.Table) and a.column_names == list(t.columns) and a.num_rows == len(t)
    assert b"lcstat.notes" in a.schema.metadata


def test_transfer_and_emergence_read_csv_as_exported(tmp_path):
    """A file as SPSS or Excel export it on a Western-European Windows (';', decimal commas,
    Windows-1252) gives transfer and emergence the numbers of its UTF-8 twin (issue 16.2)."""
    import json
    import subprocess
    df = pd.read_csv(CLIMATE)
    df["community"] = df["community"].str.replace("Gent", "Gënt").str.replace("Delft", "Delft €")
    utf8, exported = tmp_path / "climate.csv", tmp_path / "climate_export.csv"
    df.to_csv(utf8, index=False)
    df.to_csv(exported, index=False, sep=";", decimal=",", encoding="cp1252")
    cli = os.path.join(ROOT, "dist", "bin", "lcstat")
    as_exported = ["--delimiter", ";", "--decimal", ",", "--encoding", "cp1252"]
    emergence = ["--group", "community", "--person", "person", "--time", "session", "--value", "lc1", "--format", "csv"]
    runs = [subprocess.run([cli, "emergence", str(f), *emergence, *extra], capture_output=True, text=True, check=True).stdout
            for f, extra in ((utf8, []), (exported, as_exported))]
    assert runs[0] == runs[1] and runs[0].count("\n") > 2
    transfer = ["--formula", "lc1 ~ session + (1 | person) + (1 | community)", "--format", "json"]
    fits = [json.loads(subprocess.run([cli, "transfer", str(f), *transfer, *extra], capture_output=True, text=True, check=True).stdout)
            for f, extra in ((utf8, []), (exported, as_exported))]
    assert fits[0]["fixed"] == fits[1]["fixed"] and fits[0]["fit"] == fits[1]["fit"]
    # read as UTF-8, the exported file is an error that says which encoding to name
    wrong = subprocess.run([cli, "emergence", str(exported), *emergence, "--delimiter", ";"], capture_output=True, text=True)
    assert wrong.returncode != 0 and "--encoding" in wrong.stderr
