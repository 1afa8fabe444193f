"""Consensus over time, composition and the trajectory plot, on the bundled example."""
import os

import pandas as pd
import pytest

import lcstat
from conftest import ROOT

CLIMATE = os.path.join(ROOT, "examples", "data", "climate.csv")
ITEMS = ["lc1", "lc2", "lc3", "lc4", "lc5", "lc6"]


def test_consensus_over_time_equals_agreement_per_wave():
    df = pd.read_csv(CLIMATE)
    t = lcstat.consensus_over_time(df, group="community", wave="session", items=ITEMS, reverse=["lc4"], scale=(1, 5))
    assert list(t.columns) == ["group", "wave", "n", "mean", "sd", "rwg_j", "rwg_j_lindell", "ad_m", "ad_md", "awg"]
    for wave, rows in df.groupby("session"):
        a = lcstat.agreement(rows, group="community", items=ITEMS, reverse=["lc4"], scale=(1, 5)).set_index("group")
        got = t[t["wave"] == wave].set_index("group")     # numeric waves come back as numbers
        assert len(got) == len(a)
        pd.testing.assert_series_equal(got["rwg_j"], a["rwg_j"].reindex(got.index), check_names=False)
    # the file route gives the same table
    pd.testing.assert_frame_equal(t, lcstat.consensus_over_time(CLIMATE, group="community", wave="session", items=ITEMS,
                                                                reverse=["lc4"], scale=(1, 5)))


def test_composition_blau_and_sd():
    df = pd.read_csv(CLIMATE)
    c = lcstat.composition(df, group="community", columns=["lgo", "organisation"]).set_index("group")
    for name, rows in df.groupby("community"):
        p = rows["organisation"].value_counts(normalize=True)
        assert c.loc[name, "organisation_blau"] == pytest.approx(1 - (p ** 2).sum(), rel=1e-12)
        assert c.loc[name, "lgo_sd"] == pytest.approx(rows["lgo"].std(), rel=1e-12)


def test_plot_consensus():
    pytest.importorskip("matplotlib")
    import matplotlib
    matplotlib.use("Agg")
    t = lcstat.consensus_over_time(CLIMATE, group="community", wave="session", items=ITEMS, reverse=["lc4"], scale=(1, 5))
    ax = lcstat.plot_consensus(t)
    assert len(ax.get_lines()) == t["group"].nunique() + 1      # one per community and the .70 line
    with pytest.raises(ValueError):
        lcstat.plot_consensus(t, index="nothere")


def test_example_notebook_runs():
    """python/examples/learning_community_study.ipynb executes headless from start to end."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("matplotlib")
    folder = os.path.join(ROOT, "python", "examples")
    nb = nbformat.read(os.path.join(folder, "learning_community_study.ipynb"), as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    # stored with its outputs (plots included), and no backend forced in it: inline in Jupyter
    assert all(c.get("outputs") for c in code) and not any("matplotlib.use" in c.source for c in code)
    nbclient.NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": folder}}).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    text = " ".join(str(o.get("data", {}).get("text/plain", "")) for o in outputs)
    assert "Aggregation" in text and "delta" in text
    assert "eta_time_moderator" in text and "residual_sd" in text      # moderated emergence, level and consensus
    assert sum("image/png" in o.get("data", {}) for o in outputs) >= 2     # plot_consensus and plot_emergence, inline
