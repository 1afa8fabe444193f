"""R's formula language and what a fit gives back, through Python and the CLI, against
lme4/lmerTest/performance on lme4's and nlme's datasets (Reference/formulas.json, made by
scripts/make-reference-formulas.R)."""
import io
import json
import math
import os
import subprocess

import numpy as np
import pandas as pd
import pytest

import lcstat
from conftest import REF, ROOT, close

CLI = os.path.join(ROOT, "dist", "bin", "lcstat")

with open(os.path.join(REF, "formulas.json")) as f:
    FORMULAS = json.load(f)
MODELS = sorted(k for k in FORMULAS if k not in ("meta", "compare", "confint", "categorical"))


def near(got, want, tol):
    """Agreement to tol on the scale of the largest value (residuals pass through zero)."""
    scale = max(abs(w) for w in want)
    assert len(got) == len(want)
    for i, (g, w) in enumerate(zip(got, want)):
        assert abs(g - w) <= tol * scale, f"row {i}: {g} vs R {w}"


def listed(x):
    return x if isinstance(x, list) else [x]


def data(name):
    return pd.read_csv(os.path.join(REF, f"{name}.csv"))


def fit_of(name):
    ref = FORMULAS[name]
    return lcstat.transfer(data(ref["data"]), ref["formula"], reml=ref["reml"], weights=ref.get("weights"),
                           contrasts=ref.get("contrasts")), ref


def flat(fit, ref):
    """lme4 stopped lower on a flat ridge: its flat directions differ by more than 1e-5."""
    return fit.fit["loglik"] > ref["logLik"] + 1e-8


@pytest.mark.parametrize("name", MODELS)
def test_coding_and_fit_match_r(name):
    fit, ref = fit_of(name)
    assert list(fit.fixed["term"]) == listed(ref["xnames"])
    tol = 1e-3 if flat(fit, ref) else 1e-5
    close(list(fit.fixed["estimate"]), listed(ref["fixed"]["estimate"]), tol)
    close([fit.fit["loglik"]], [ref["logLik"]], 1e-5)
    r2 = fit.r2()
    assert list(r2.index) == ["marginal", "conditional"]
    # the scaled cake power model's criterion is flat in θ: lcstat's and lme4's optima lie 4e-5
    # apart, and its R² 1.2e-5 (FormulaReferenceTests.r2Tolerance says why)
    r2_tol = 3e-5 if name == "cake_power_scaled" else 1e-5
    close([r2["marginal"]], [ref["r2_johnson"]["marginal"]], max(tol, r2_tol)) if ref["r2_johnson"]["marginal"] else None
    assert fit.fit["r2_marginal"] == r2["marginal"]


@pytest.mark.parametrize("name", ["machines_no_intercept", "orthodont_sex_slopes", "cake_ordered", "sleep_weights",
                                  "sleep_offset", "orthodont_log_scale"])
def test_what_a_fit_gives_back_matches_r(name):
    fit, ref = fit_of(name)
    df = data(ref["data"])
    # per input row, aligned with the DataFrame's index
    assert fit.fitted().index.equals(df.index)
    close(list(fit.fitted()), ref["fitted"], 1e-5)
    close(list(fit.fitted(random=False)), ref["fitted_fixed"], 1e-5)
    near(list(fit.residuals()), ref["residuals"], 1e-5)
    near(list(fit.residuals(type="pearson")), ref["pearson"], 1e-5)
    near(list(fit.residuals(type="pearson", scaled=True)), ref["pearson_scaled"], 1e-5)
    first5 = df.head(5).drop(columns=[c for c in ["score", "distance", "Reaction", "angle"] if c in df])
    close(list(fit.predict(first5)), ref["predict_random"], 1e-5)
    close(list(fit.predict(first5, random=False)), ref["predict_fixed"], 1e-5)
    a = fit.anova()
    assert list(a.columns) == ["term", "num_df", "den_df", "f", "p"]
    assert list(a["term"]) == listed(ref["anova"]["term"])
    close(list(a["f"]), listed(ref["anova"]["f"]), 1e-5)
    close(list(a["den_df"]), listed(ref["anova"]["den_df"]), 1e-3)
    ranef = fit.ranef()
    assert list(ranef.columns) == ["group", "level", "term", "value", "se"]
    theirs = {(g, str(l), t): s for g, l, t, s in zip(ref["ranef"]["group"], ref["ranef"]["level"], ref["ranef"]["term"],
                                                     ref["ranef"]["se"])}
    for g, l, t, s in zip(ranef["group"], ranef["level"], ranef["term"], ranef["se"]):
        assert abs(s - theirs[(g, str(l), t)]) <= 1e-4 * theirs[(g, str(l), t)]


def test_a_categorical_keeps_its_level_order():
    """nlme's Orthodont has Sex = Male, Female: as a pandas Categorical the reference is Male."""
    ref = FORMULAS["categorical"]
    df = data("Orthodont")
    df["Sex"] = pd.Categorical(df["Sex"], categories=ref["levels"])
    fit = lcstat.transfer(df, ref["formula"])
    assert list(fit.fixed["term"]) == ref["xnames"]
    close(list(fit.fixed["estimate"]), ref["estimate"], 1e-5)
    # the same data as text: sorted levels, as R's read.csv gives them
    plain = lcstat.transfer(data("Orthodont"), ref["formula"])
    assert list(plain.fixed["term"]) == listed(FORMULAS["orthodont_sex_slopes"]["xnames"])


def test_an_ordered_categorical_gets_polynomial_contrasts():
    df = data("cake")
    df["temp"] = pd.Categorical(df["temp"], ordered=True)
    fit = lcstat.transfer(df, "angle ~ recipe * temp + (1 | recipe:replicate)")
    ref = FORMULAS["cake_ordered"]
    assert list(fit.fixed["term"]) == [t.replace("ordered(temp)", "temp") for t in ref["xnames"]]
    close(list(fit.fixed["estimate"]), ref["fixed"]["estimate"], 1e-5)


def test_dates_are_refused_with_a_way_out():
    df = data("sleepstudy")
    df["when"] = pd.Timestamp("2024-01-01") + pd.to_timedelta(df["Days"], unit="D")
    with pytest.raises(lcstat.LcstatError, match="dates"):
        lcstat.transfer(df, "Reaction ~ when + (1 | Subject)")


@pytest.mark.parametrize("refit", [True, False])
def test_compare_refits_reml_fits_like_lme4(refit):
    ref = FORMULAS["compare"]["refit" if refit else "no_refit"]
    df = data("sleepstudy")
    a, b = (lcstat.transfer(df, m) for m in ref["models"])
    t = lcstat.compare(a, b, refit=refit)
    close(list(t["loglik"]), ref["loglik"], 1e-6)
    close([t["chisq"].iloc[1]], [ref["chisq"][1]], 1e-4)


def test_profile_and_bootstrap_intervals():
    ref = FORMULAS["confint"]["sleep_slopes"]
    fit = lcstat.transfer(data("sleepstudy"), ref["formula"])
    ci = fit.confint(method="profile")
    assert list(ci.columns) == ["parameter", "group", "term", "estimate", "low", "high"]
    assert list(ci["parameter"]) == ["sd", "sd", "corr", "sigma", "fixed", "fixed"]
    lme4 = dict(zip(ref["profile"]["name"], zip(ref["profile"]["low"], ref["profile"]["high"])))
    days = ci[ci["term"] == "Days"].iloc[-1]
    assert abs(days["low"] - lme4["Days"][0]) < 1e-3 * (lme4["Days"][1] - lme4["Days"][0])
    sigma = ci[ci["parameter"] == "sigma"].iloc[0]
    assert abs(sigma["high"] - lme4["sigma"][1]) < 1e-3 * (lme4["sigma"][1] - lme4["sigma"][0])
    boot = fit.confint(method="bootstrap", nsim=40, seed=5)
    assert boot.equals(fit.confint(method="bootstrap", nsim=40, seed=5))
    wald = fit.confint()
    assert wald["low"].isna().sum() == 4 and not wald["low"].iloc[-2:].isna().any()


def test_weights_and_contrasts_arguments():
    fit, ref = fit_of("sleep_weights")
    close(list(fit.fixed["estimate"]), ref["fixed"]["estimate"], 1e-5)
    fit, ref = fit_of("machines_sum")
    assert list(fit.fixed["term"]) == ref["xnames"]
    with pytest.raises(ValueError):
        lcstat.transfer(data("Machines"), "score ~ Machine + (1 | Worker)", contrasts={"Machine": "nonsense"})
    with pytest.raises(lcstat.LcstatError, match="not a variable"):
        lcstat.transfer(data("Machines"), "score ~ Machine + (1 | Worker)", contrasts={"Worker": "sum"})


@pytest.mark.parametrize("formula, words", [
    ("log(Reaction ~ Days + (1 | Subject)", "expected ')'"),
    ("Reaction ~ foo(Days) + (1 | Subject)", "unknown function 'foo()'"),
    ("Reaction ~ Days + Days | Subject", "in parentheses"),
    ("Reaction ~ poly(Days) + (1 | Subject)", "poly() takes 2 to 3 arguments"),
    ("Reaction ~ . + (1 | Subject)", "'.'"),
])
def test_errors_name_the_construct(formula, words):
    with pytest.raises(lcstat.LcstatError) as e:
        lcstat.transfer(data("sleepstudy"), formula)
    assert words in str(e.value)


@pytest.mark.skipif(not os.path.exists(CLI), reason="dist/bin/lcstat not built (scripts/build-lib)")
def test_cli_contract(tmp_path):
    path = os.path.join(REF, "Machines.csv")
    ref = FORMULAS["machines_sum"]
    p = subprocess.run([CLI, "transfer", path, "--formula", ref["formula"], "--contrasts", "Machine=sum",
                        "--format", "json", "--confint", "profile"], capture_output=True, text=True, check=True)
    out = json.loads(p.stdout)
    assert [r["term"] for r in out["fixed"]] == ref["xnames"]
    assert {"r2_marginal", "r2_conditional"} <= set(out["fit"])
    assert list(out["anova"][0]) == ["term", "num_df", "den_df", "f", "p"]
    assert list(out["confint"][0]) == ["parameter", "group", "term", "estimate", "low", "high"]
    # weights and predictions
    sleep = os.path.join(REF, "sleepstudy.csv")
    w = FORMULAS["sleep_weights"]
    p = subprocess.run([CLI, "transfer", sleep, "--formula", w["formula"], "--weights", "w", "--format", "json"],
                       capture_output=True, text=True, check=True)
    close([r["estimate"] for r in json.loads(p.stdout)["fixed"]], w["fixed"]["estimate"], 1e-5)
    new = tmp_path / "new.csv"
    data("sleepstudy").head(5).drop(columns=["Reaction"]).to_csv(new, index=False)
    pr = FORMULAS["sleep_offset"]
    p = subprocess.run([CLI, "transfer", sleep, "--formula", pr["formula"], "--predict", str(new)],
                       capture_output=True, text=True, check=True)
    table = pd.read_csv(io.StringIO(p.stdout))
    assert list(table.columns) == ["row", "fit", "fit_fixed"]
    close(list(table["fit"]), pr["predict_random"], 1e-5)
    close(list(table["fit_fixed"]), pr["predict_fixed"], 1e-5)


@pytest.mark.parametrize("name", ["orthodont_sex_slopes", "machines_nested", "sleep_transformed"])
def test_kenward_roger_matches_pbkrtest(name):
    ref = FORMULAS[name]
    fit = lcstat.transfer(data(ref["data"]), ref["formula"], ddf="kenward-roger")
    kr = ref["kenward_roger"]
    close(list(fit.fixed["se"]), listed(kr["se"]), 1e-4)
    close(list(fit.fixed["df"]), listed(kr["df"]), 1e-3)
    close(list(fit.anova()["f"]), listed(kr["anova_f"]), 1e-4)
    assert "Kenward-Roger" in fit.summary()


def test_kenward_roger_needs_reml():
    with pytest.raises(lcstat.LcstatError, match="REML"):
        lcstat.transfer(data("sleepstudy"), "Reaction ~ Days + (1 | Subject)", reml=False, ddf="kenward-roger")


def test_predict_without_the_grouping_columns():
    fit, ref = fit_of("sleep_offset")
    new = data("sleepstudy").head(5).drop(columns=["Reaction", "Subject"])
    close(list(fit.predict(new, random=False)), ref["predict_fixed"], 1e-5)
    with pytest.raises(lcstat.LcstatError, match="Subject"):
        fit.predict(new)
