"""The Python frontend reproduces R's multilevel numbers (1e-9 relative)."""
import subprocess
import os

import pandas as pd
import pytest

import lcstat
from conftest import ROOT, REF, close

LEAD = [f"LEAD{i:02d}" for i in range(1, 12)]
NULLS = ["uniform", "slight_skew", "moderate_skew", "heavy_skew", "triangular", "normal"]


@pytest.mark.parametrize("null", NULLS)
def test_rwg_j_lq2002(lq2002, null):
    df, ref = lq2002
    t = lcstat.agreement(df, group="COMPID", items=LEAD, scale=(1, 5), null=null, missing="listwise")
    r = ref["rwg.j"]["LEAD"][null]["result"]
    assert list(t["group"]) == r["grpid"]
    close(t["rwg_j"], r["rwg.j"])
    close(t["rwg_j_lindell"], ref["rwg.j.lindell"]["LEAD"][null]["result"]["rwg.lindell"])


def test_ad_awg_lq2002(lq2002):
    df, ref = lq2002
    t = lcstat.agreement(df, group="COMPID", items=LEAD, scale=(1, 5), missing="listwise")
    close(t["ad_m"], ref["ad.m"]["LEAD_items"]["mean"]["result"]["AD.M"])
    close(t["ad_md"], ref["ad.m"]["LEAD_items"]["median"]["result"]["AD.M"])
    close(t["awg"], ref["awg"]["LEAD_items"]["result"]["a.wg"])


def test_icc_lq2002(lq2002):
    df, ref = lq2002
    t = lcstat.icc(df, group="COMPID", items=["LEAD05", "TSIG01", "HOSTIL01"])
    for i, key in enumerate(["LEAD05", "TSIG01", "HOSTIL01"]):
        r = ref["icc"][key]["result"]
        for col, rk in [("icc1", "ICC1"), ("icc2", "ICC2"), ("f", "F"), ("df1", "df_between"),
                        ("df2", "df_within"), ("p", "p")]:
            close([t[col][i]], [r[rk]])
        assert t["n"][i] == r["n_obs"] and t["groups"][i] == r["n_groups"]


def test_icc_intervals_lq2002(lq2002):
    """F-based 95% intervals (extra columns) against the icc_ci entries."""
    df, ref = lq2002
    keys = ["LEAD05", "TSIG01", "HOSTIL01"]
    t = lcstat.icc(df, group="COMPID", items=keys, extra=True)
    for i, key in enumerate(keys):
        r = ref["icc_ci"][key]["result"]
        for col, rk in [("icc1_low", "ICC1_lower"), ("icc1_high", "ICC1_upper"),
                        ("icc2_low", "ICC2_lower"), ("icc2_high", "ICC2_upper")]:
            close([t[col][i]], [r[rk]])


def test_cohesion_edge_cases(cohesion):
    """Missing value, composite group key, truncation, awg NA and awg = 1."""
    df, ref = cohesion
    df = df.assign(GRP=df["UNIT"] + "_" + df["PLATOON"])
    items = [f"COH0{i}" for i in range(1, 6)]
    t = lcstat.agreement(df, group=["UNIT", "PLATOON"], items=items, scale=(1, 5), missing="listwise")
    # two key columns come back as two columns; R's paste(UNIT, PLATOON, sep = "_") ids in the same order
    assert list(t.columns[:3]) == ["UNIT", "PLATOON", "n"]
    assert list(t["UNIT"] + "_" + t["PLATOON"]) == ref["rwg.j"]["COH"]["uniform"]["result"]["grpid"]
    close(t["rwg_j"], ref["rwg.j"]["COH"]["uniform"]["result"]["rwg.j"])
    close(t["awg"], ref["awg"]["COH_items"]["result"]["a.wg"])
    one = lcstat.agreement(df, group="GRP", items=["COH02"], scale=(1, 5))
    close(one["rwg_j"], ref["rwg"]["COH02"]["uniform"]["result"]["rwg"])
    close(one["awg"], ref["awg"]["COH02"]["result"]["a.wg"])
    level = lcstat.agreement(df, group="GRP", items=items)
    close(level["mean"], ref["group_climate"]["COH"]["result"]["mean"])
    close(level["sd"], ref["group_climate"]["COH"]["result"]["sd"])


def test_cli_and_python_agree_to_the_bit(lq2002, tmp_path):
    """The CLI's CSV (shortest round-trip digits) equals the DataFrame exactly."""
    import pandas as pd
    df, _ = lq2002
    cli = os.path.join(ROOT, "dist", "bin", "lcstat")
    if not os.path.exists(cli):
        pytest.skip("dist/bin/lcstat not built (scripts/build-lib)")
    out = subprocess.run([cli, "agreement", os.path.join(REF, "lq2002.csv"), "--group", "COMPID", "--items",
                          ",".join(LEAD), "--scale", "1:5", "--format", "csv"], check=True, capture_output=True, text=True)
    import csv
    rows = list(csv.reader(out.stdout.splitlines()))
    p = lcstat.agreement(df, group="COMPID", items=LEAD, scale=(1, 5))
    contract = ["group", "n", "mean", "sd", "rwg_j", "rwg_j_lindell", "ad_m", "ad_md", "awg"]    # issue 2's contract
    assert rows[0] == contract == list(p.columns)
    for j, col in enumerate(rows[0]):
        if col in ("mean", "sd", "rwg_j", "rwg_j_lindell", "ad_m", "ad_md", "awg"):
            assert [float(r[j]) for r in rows[1:]] == list(p[col]), col


def test_properties(lq2002):
    """rwg_j in [0, 1]; ICC(2) = k ICC(1) / (1 + (k - 1) ICC(1)) (Spearman-Brown)."""
    df, _ = lq2002
    t = lcstat.agreement(df, group="COMPID", items=LEAD, scale=(1, 5), extra=True)
    assert ((t["rwg_j"] >= 0) & (t["rwg_j"] <= 1)).all()
    assert (t["rwg_j_lindell"] <= 1).all()
    i = lcstat.icc(df, group="COMPID", items=["LEAD01", "LEAD02"], extra=True)
    k, icc1 = i["k"], i["icc1"]
    close(i["icc2"], list(k * icc1 / (1 + (k - 1) * icc1)))


def test_reading_a_file_in_the_library_equals_pandas_input(lq2002):
    """lcstat.agreement(path) (lcstat's reader) gives the numbers of the DataFrame route."""
    df, _ = lq2002
    a = lcstat.agreement(os.path.join(REF, "lq2002.csv"), group="COMPID", items=LEAD, scale=(1, 5))
    b = lcstat.agreement(df, group="COMPID", items=LEAD, scale=(1, 5))
    assert a["group"].dtype == b["group"].dtype == "int64"
    assert list(a["group"]) == list(b["group"])
    for col in ["n", "mean", "sd", "rwg_j", "rwg_j_lindell", "ad_m", "ad_md", "awg"]:
        assert list(a[col]) == list(b[col]), col


def test_group_ids_are_integers_only_when_written_as_integers(tmp_path):
    """A file's integer ids come back as int64 (as pandas.read_csv types them); any other
    label (letters, decimals) keeps the whole column as text; a DataFrame's text ids stay
    text exactly ('007', '+1', '-0', and '5' too), as they went in."""
    def from_file(labels):
        p = tmp_path / "ids.csv"
        p.write_text("g,q\n" + "".join(f"{g},{v}\n" for g in labels for v in (1, 2)))
        return lcstat.agreement(p, group="g", items=["q"], scale=(1, 5))["group"]

    def from_frame(labels):
        df = pd.DataFrame({"g": [g for g in labels for _ in (1, 2)], "q": [1.0, 2.0] * len(labels)})
        return lcstat.agreement(df, group="g", items=["q"], scale=(1, 5))["group"]

    ints = from_file(["-3", "0", "12", "99999999999999"])
    assert ints.dtype == "int64" and sorted(ints) == [-3, 0, 12, 99999999999999]
    assert list(from_frame(["5", "-2"])) == ["-2", "5"]
    assert list(from_file(["1.5", "2"])) == [1.5, 2.0]      # other numbers as numbers, as pandas reads them
    for read, labels in [(from_file, ["1", "A"]), (from_frame, ["007", "8"]),
                         (from_frame, ["+1", "2"]), (from_frame, ["-0", "1"]), (from_frame, ["1 ", "2"])]:
        text = read(labels)
        assert text.dtype != "int64" and sorted(text) == sorted(labels), labels


def test_semicolon_decimal_comma_file(tmp_path):
    p = tmp_path / "spss.csv"
    p.write_text("team;q1;q2\nA;1;-99\nA;2;3\nB;4;4\nB;5;4\n")
    t = lcstat.agreement(p, group="team", items=["q1", "q2"], scale=(1, 5), read_options={"na_values": ["-99"]})
    assert list(t["n"]) == [2, 2]


def test_scale_scores_are_rowmeans(cohesion):
    """R: COH = rowMeans(cohesion[, 3:7], na.rm = TRUE)."""
    df, ref = cohesion
    items = [f"COH0{i}" for i in range(1, 6)]
    s = lcstat.scores(df, items=items)
    close(list(s["score"]), list(df[items].mean(axis=1)), 1e-15)
    assert list(s["n_answered"]) == list(df[items].notna().sum(axis=1))
    listwise = lcstat.scores(df, items=items, missing="listwise")
    assert listwise["score"].isna().sum() == 1


def test_alpha_matches_the_textbook_formula(lq2002):
    """alpha, alpha-if-dropped and r.drop against numpy on complete cases (psych::alpha's raw_alpha, r.drop)."""
    import numpy as np
    df, _ = lq2002
    items = [f"TSIG0{i}" for i in range(1, 4)] + ["LEAD01", "LEAD02"]
    x = df[items].dropna().to_numpy(float)

    def cronbach(m):
        k = m.shape[1]
        return k / (k - 1) * (1 - m.var(axis=0, ddof=1).sum() / m.sum(axis=1).var(ddof=1))

    t = lcstat.alpha(df, items=items)
    close([t["alpha"].iloc[-1]], [cronbach(x)], 1e-12)
    for j in range(len(items)):
        rest = np.delete(x, j, axis=1)
        close([t["alpha"].iloc[j]], [cronbach(rest)], 1e-12)
        close([t["r_drop"].iloc[j]], [np.corrcoef(x[:, j], rest.sum(axis=1))[0, 1]], 1e-12)
    assert (t["n"] == len(x)).all()


@pytest.mark.parametrize("entry,outcome,consensus,center", [
    ("HOSTILE_on_level_x_rwgj", "HOSTILE", "rwg_j", False),
    ("HOSTILE_on_level_x_rwgj_centered", "HOSTILE", "rwg_j", True),
    ("TSIG_on_level_x_sd", "TSIG", "sd", False),
])
def test_level_consensus_lq2002(lq2002, entry, outcome, consensus, center):
    """lm + sandwich HC3 on the group-level data (moderated_regression entries)."""
    df, ref = lq2002
    r = ref["moderated_regression"][entry]
    items = [f"LEAD{i:02d}" for i in range(1, 12)]
    t = lcstat.level_consensus(df, group="COMPID", items=items, outcome=outcome, scale=(1, 5),
                               consensus=consensus, level="LEAD", center=center)
    assert list(t["term"]) == ["(Intercept)", "level", "consensus", "level:consensus"]
    close(t["estimate"], r["coef"]["estimate"])
    close(t["se"], r["coef"]["se"])
    close(t["se_hc3"], r["hc3"]["se"])
    close(t["p_hc3"], r["hc3"]["p"])
    close([t["r_squared"][0]], [r["r_squared"]])


def test_null_distribution_exact_lq2002(lq2002):
    """Exact null quantiles (Bliese's rule) against the exact block of rwg.j.sim."""
    _, ref = lq2002
    e = ref["null_simulations"]["rwg.j.sim_g10_J6_A5"]["exact"]
    t = lcstat.null_distribution(10, items=6, scale=(1, 5), method="exact").set_index("statistic")
    assert t.loc["rwg_j", "method"] == "exact"
    close([t.loc["rwg_j", "q90"], t.loc["rwg_j", "q95"], t.loc["rwg_j", "q99"]], e["bliese_rule"])
    close([t.loc["rwg_j", "mean"]], [e["mean"]])


def test_same_seed_same_numbers_in_python_and_cli():
    """A seed gives bit-identical output from Python and the CLI."""
    args = dict(items=4, scale=(1, 5), method="monte_carlo", replications=5000, seed=123)
    a = lcstat.null_distribution(12, **args)
    b = lcstat.null_distribution(12, **args)
    assert a.equals(b)
    cli = subprocess.run([os.path.join(ROOT, "dist", "bin", "lcstat"), "null", "--group-size", "12", "--items", "4",
                          "--scale", "1:5", "--method", "monte_carlo", "--replications", "5000", "--seed", "123",
                          "--format", "csv"], capture_output=True, text=True, check=True)
    import io
    import pandas as pd
    c = pd.read_csv(io.StringIO(cli.stdout))    # pandas 3 parses doubles round-trip by default
    for col in ["mean", "sd", "q05", "q95", "critical"]:
        assert list(c[col]) == list(a[col]), col
    other = lcstat.null_distribution(12, **{**args, "seed": 124})
    assert not other["mean"].equals(a["mean"])


def test_rgr_and_aggregation_lq2002(lq2002):
    df, ref = lq2002
    r = lcstat.rgr(df, group="COMPID", items="LEAD", pseudo_groups=1000, seed=5)
    det = ref["rgr.agree"]["LEAD"]["deterministic"]
    close([r["av_grp_var"][0]], [det["AvGrpVar"]])
    assert r["pseudo_groups"][0] == det["NRanGrp"]
    items = [f"LEAD{i:02d}" for i in range(1, 12)]
    a = lcstat.aggregation(df, group="COMPID", items=items, scale=(1, 5), replications=1000).set_index("measure")
    rwg = ref["rwg.j"]["LEAD"]["uniform"]["result"]["rwg.j"]
    close([a.loc["rwg_j_mean", "value"]], [sum(rwg) / len(rwg)])
    assert a.loc["verdict", "criterion"].startswith("Aggregation")


def test_bootstrap_intervals(lq2002):
    df, _ = lq2002
    t = lcstat.icc(df, group="COMPID", items=["LEAD05"], bootstrap=500, seed=3)
    assert (t["icc1_boot_low"] < t["icc1"]).all() and (t["icc1"] < t["icc1_boot_high"]).all()
    assert t.equals(lcstat.icc(df, group="COMPID", items=["LEAD05"], bootstrap=500, seed=3))
    a = lcstat.agreement(df, group="COMPID", items=[f"LEAD{i:02d}" for i in range(1, 12)], scale=(1, 5))
    b = lcstat.bootstrap_groups(a, "rwg_j", replicates=1000, seed=4)
    assert b["estimate"][0] == pytest.approx(a["rwg_j"].mean(), rel=1e-12)
    assert b["low"][0] < b["estimate"][0] < b["high"][0]


def test_agreement_significance():
    """Per-group tail probabilities: ten identical answers have P = 5 * 5**-10 exactly."""
    df = pd.DataFrame({"g": [1] * 10 + [2] * 10, "x": [3] * 10 + [1, 2, 3, 4, 5] * 2})
    t = lcstat.agreement(df, group="g", items=["x"], scale=(1, 5), significance=True)
    assert list(t.columns)[-2:] == ["rwg_j_p", "ad_m_p"]
    assert t["rwg_j_p"][0] == pytest.approx(5 * 5.0 ** -10, rel=1e-12)
    assert t["rwg_j_p"][1] == 1.0
