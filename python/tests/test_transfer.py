"""Transfer models through Python and the CLI against lme4/lmerTest (univbct)."""
import json
import math
import os
import subprocess

import pandas as pd
import pytest

import lcstat
from conftest import REF, ROOT, close


@pytest.fixture(scope="module")
def univbct():
    with open(os.path.join(REF, "univbct.json")) as f:
        return pd.read_csv(os.path.join(REF, "univbct.csv")), json.load(f)


@pytest.mark.parametrize("reml", [True, False])
def test_random_slope_matches_lme4(univbct, reml):
    df, ref = univbct
    r = ref["mixed_models"]["rs_time"]["REML" if reml else "ML"]["lme4"]
    fit = lcstat.transfer(df, "JSAT ~ TIME + (TIME | SUBNUM)", reml=reml)
    close(list(fit.fixed["estimate"]), r["fixed"]["estimate"], 1e-5)
    close(list(fit.fixed["se"]), r["fixed"]["se"], 1e-5)
    close(list(fit.fixed["df"]), r["satterthwaite"]["df"], 1e-3)
    close([fit.fit["loglik"]], [r["logLik"]], 1e-5)
    assert fit.fit["nobs"] == r["nobs"] and fit.fit["groups"] == {"SUBNUM": 492} and fit.fit["reml"] is reml
    assert list(fit.random["group"]) == ["SUBNUM", "SUBNUM", "SUBNUM", "Residual"]
    assert "Satterthwaite" in fit.summary()


def test_within_between_inside_the_formula(univbct):
    df, ref = univbct
    r = ref["mixed_models"]["within_between"]["REML"]["lme4"]
    fit = lcstat.transfer(df, "JSAT ~ TIME + within(COMMIT, SUBNUM) + between(COMMIT, SUBNUM) + (1 | SUBNUM)")
    close(list(fit.fixed["estimate"]), r["fixed"]["estimate"], 1e-5)
    assert list(fit.fixed["term"]) == ["(Intercept)", "TIME", "within(COMMIT, SUBNUM)", "between(COMMIT, SUBNUM)"]


def test_compare_refits_with_ml_like_anova(univbct):
    """anova(ri_time, rs_time): the same fixed effects, so lme4 compares... ML fits here (ri vs rs under ML)."""
    df, ref = univbct
    a = lcstat.transfer(df, "JSAT ~ TIME + (1 | SUBNUM)", reml=False)
    b = lcstat.transfer(df, "JSAT ~ TIME + (TIME | SUBNUM)", reml=False)
    t = lcstat.compare(a, b)
    ra, rb = (ref["mixed_models"][m]["ML"]["lme4"]["logLik"] for m in ("ri_time", "rs_time"))
    close([t["chisq"][1]], [2 * (rb - ra)], 1e-4)
    assert t["df"][1] == 2 and 0 <= t["p"][1] < 1e-5


def test_cli_json_keys(univbct):
    cli = os.path.join(ROOT, "dist", "bin", "lcstat")
    if not os.path.exists(cli):
        pytest.skip("dist/bin/lcstat not built")
    p = subprocess.run([cli, "transfer", os.path.join(REF, "univbct.csv"), "--formula", "JSAT ~ TIME + (TIME | SUBNUM)",
                        "--format", "json"], capture_output=True, text=True, check=True)
    out = json.loads(p.stdout)
    assert set(out) >= {"fixed", "random", "fit"}
    assert set(out["fixed"][0]) >= {"term", "estimate", "se", "df", "t", "p"}   # and ci_low, ci_high
    assert out["fixed"][0]["term"] == "(Intercept)"
    assert {"group": "Residual", "term": ""}.items() <= out["random"][-1].items() and "sd" in out["random"][-1]
    assert any(r["term"] == "(Intercept):TIME" and "corr" in r for r in out["random"])
    assert set(out["fit"]) >= {"loglik", "aic", "bic", "deviance", "nobs", "reml", "converged", "groups"}
    assert out["fit"]["groups"] == {"SUBNUM": 492} and out["fit"]["reml"] is True


@pytest.mark.parametrize("formula,words", [
    ("JSAT ~ TIME + (1 | NOPE)", "NOPE"),
    ("JSAT ~ TIME + ", "formula"),
    ("JSAT ~ TIME", "random-effects"),
])
def test_bad_models_raise(univbct, formula, words):
    df, _ = univbct
    with pytest.raises(lcstat.LcstatError, match=words):
        lcstat.transfer(df, formula)


def test_icc_at_each_level_from_the_null_model(univbct):
    """tau^2 / (tau^2 + sigma^2) from lme4's null_ri fit."""
    df, ref = univbct
    r = ref["mixed_models"]["null_ri"]["REML"]["lme4"]
    tau2, s2 = r["random"]["SUBNUM"]["variance"][0], r["sigma"] ** 2
    fit = lcstat.transfer(df, "JSAT ~ 1 + (1 | SUBNUM)")
    close([fit.icc["icc"][0]], [tau2 / (tau2 + s2)], 1e-5)
    assert list(fit.icc["group"]) == ["SUBNUM"]


@pytest.mark.parametrize("reml", [True, False])
def test_varexp_matches_nlme(univbct, reml):
    """A residual variance function exp(TIME) against nlme's varExp (logLik to 1e-5, never lower)."""
    df, ref = univbct
    r = ref["mixed_models_varfunc"]["rs_time_varexp"]["REML" if reml else "ML"]
    fit = lcstat.transfer(df, "JSAT ~ TIME + (1 + TIME | SUBNUM)", reml=reml, variance="exp(TIME)")
    assert fit.fit["loglik"] == pytest.approx(r["logLik"], rel=1e-5)
    assert fit.fit["loglik"] >= r["logLik"] - 1e-10
    assert list(fit.variance["parameter"]) == ["delta"]
    assert fit.variance["estimate"][0] == pytest.approx(r["varStruct"]["coef"]["expon"], rel=1e-4)
    close(fit.fixed["estimate"], r["fixed"]["estimate"], 1e-4)


def test_emergence_lrt_matches_nlme(univbct):
    df, ref = univbct
    df = df.assign(CO=df["BTN"].astype(str) + "_" + df["COMPANY"].astype(str))
    t = lcstat.emergence(df, group="CO", person="SUBNUM", time="TIME", value="JSAT")
    lrt = ref["mixed_models_varfunc"]["lrt_cem_company_REML"]
    assert t["lr"][0] == pytest.approx(lrt["L.Ratio"], abs=1e-2)
    assert t["p_two_sided"][0] == pytest.approx(lrt["p"], abs=1e-4)
    assert t["delta"][0] < 0 and t["p_one_sided"][0] == pytest.approx(t["p_two_sided"][0] / 2)
    assert list(t["time"]) == [0, 1, 2]   # numeric times come back as numbers


def test_variance_in_cli_json():
    """The CLI's transfer JSON gains the documented "variance" key."""
    out = subprocess.run([os.path.join(ROOT, "dist", "bin", "lcstat"), "transfer", os.path.join(REF, "univbct.csv"),
                          "--formula", "JSAT ~ TIME + (1 + TIME | SUBNUM)", "--variance", "exp(TIME)", "--format", "json"],
                         capture_output=True, text=True, check=True)
    v = json.loads(out.stdout)["variance"]
    assert v[0]["function"] == "exp" and v[0]["covariate"] == "TIME" and v[0]["parameter"] == "delta"
    assert set(v[0]) == {"function", "covariate", "parameter", "estimate", "se"}


def test_several_terms_on_one_factor(univbct):
    """(1 | SUBNUM) + (0 + TIME | SUBNUM): uncorrelated intercept and slope, as lme4 fits and names them."""
    df, _ = univbct
    with open(os.path.join(ROOT, "Tests", "LCCoreTests", "Reference", "univbct_uncorrelated.json")) as f:
        ref = json.load(f)["uncorrelated_slope"]["REML"]
    fit = lcstat.transfer(df, "JSAT ~ TIME + (1 | SUBNUM) + (0 + TIME | SUBNUM)")
    assert fit.fit["loglik"] == pytest.approx(ref["logLik"], rel=1e-5)
    close(fit.fixed["estimate"], ref["fixed"]["estimate"], 1e-5)
    assert list(fit.random["group"]) == ["SUBNUM", "SUBNUM.1", "Residual"]
    assert list(fit.fit["groups"]) == ["SUBNUM"]      # one count per grouping factor, as lme4's ngrps
    close(fit.random["sd"], ref["random"]["sd"], 1e-4)


def test_three_crossed_factors_match_lme4_through_python_and_the_cli():
    """Persons nested in BTN and COMPANY crossed (univbct), with a random slope: Python and the
    CLI give lme4's fit (Reference/crossed.json, scripts/make-reference-crossed.R)."""
    with open(os.path.join(REF, "crossed.json")) as f:
        r = json.load(f)["univbct_three_slopes"]["REML"]
    formula = "JSAT ~ TIME + (1 + TIME | SUBNUM) + (1 | BTN) + (1 | COMPANY)"
    fit = lcstat.transfer(pd.read_csv(os.path.join(REF, "univbct.csv")), formula)
    assert fit.fit["loglik"] >= r["logLik"] - 1e-7
    close(list(fit.fixed["estimate"]), r["fixed"]["estimate"], 1e-4)
    close(list(fit.fixed["df"]), r["fixed"]["df"], 1e-3)
    assert set(fit.fit["groups"]) == {"SUBNUM", "BTN", "COMPANY"}
    assert list(fit.random["group"]) == ["SUBNUM", "SUBNUM", "SUBNUM", "BTN", "COMPANY", "Residual"]
    cli = os.path.join(ROOT, "dist", "bin", "lcstat")
    out = subprocess.run([cli, "transfer", os.path.join(REF, "univbct.csv"), "--formula", formula, "--format", "json"],
                         capture_output=True, text=True, check=True)
    assert json.loads(out.stdout)["fit"]["loglik"] == pytest.approx(fit.fit["loglik"], rel=1e-12)


@pytest.mark.parametrize("name", ["ovary_ar1", "ovary_gaps_ar1", "bodyweight_car1_varexp", "univbct_cs"])
def test_correlation_matches_nlme_through_python_and_the_cli(name):
    """Residual correlation (nlme's corAR1, corCAR1 + varExp, corCompSymm): Python and the CLI
    give nlme's fit (Reference/correlation.json, scripts/make-reference-correlation.R), and the
    CLI's JSON gains the documented "correlation" key."""
    with open(os.path.join(REF, "correlation.json")) as f:
        r = json.load(f)[name]["REML"]
    path = os.path.join(REF, r["data"] + ".csv")
    fit = lcstat.transfer(pd.read_csv(path), r["formula"], correlation=r["correlation"], variance=r.get("variance") or None,
                          progress=False)
    assert fit.fit["loglik"] == pytest.approx(r["logLik"], rel=1e-6)
    assert fit.fit["loglik"] >= r["logLik"] - 1e-7
    close(list(fit.fixed["estimate"]), r["fixed"]["estimate"], 1e-4)
    c = fit.correlation
    assert list(c.columns) == ["structure", "group", "parameter", "estimate", "se"]
    assert c["structure"][0] == r["correlation"].split("(")[0]
    assert c["estimate"][0] == pytest.approx(list(r["corStruct"].values())[0], rel=1e-3, abs=1e-6)
    cli = os.path.join(ROOT, "dist", "bin", "lcstat")
    args = [cli, "transfer", path, "--formula", r["formula"], "--correlation", r["correlation"], "--format", "json"]
    if r.get("variance"):
        args += ["--variance", r["variance"]]
    out = json.loads(subprocess.run(args, capture_output=True, text=True, check=True).stdout)
    assert out["fit"]["loglik"] == pytest.approx(fit.fit["loglik"], rel=1e-12)
    row = out["correlation"][0]
    assert set(row) == {"structure", "group", "parameter", "estimate", "se"}
    assert row["parameter"] == ("rho" if row["structure"] == "cs" else "phi") and row["group"] == c["group"][0]
    assert row["estimate"] == pytest.approx(c["estimate"][0], rel=1e-12)


def test_correlation_errors_name_the_problem():
    df = pd.read_csv(os.path.join(REF, "Ovary.csv"))
    with pytest.raises(lcstat.LcstatError, match="whole-number occasions"):
        lcstat.transfer(df, "follicles ~ s + (1 | Mare)", correlation="ar1(Time | Mare)", progress=False)
    with pytest.raises(lcstat.LcstatError, match="unknown correlation structure"):
        lcstat.transfer(df, "follicles ~ s + (1 | Mare)", correlation="arma(visit | Mare)", progress=False)
    with pytest.raises(TypeError, match="correlation must be a string"):
        lcstat.transfer(df, "follicles ~ s + (1 | Mare)", correlation=1, progress=False)


@pytest.mark.parametrize("reml", [True, False])
def test_scale_formula_matches_glmmtmb_through_python_and_the_cli(reml):
    """A location-scale model, log sigma = eta0 + eta1 session + eta2 diversity + eta3 session:diversity,
    against glmmTMB's dispformula (Reference/scale.json, scripts/make-reference-scale.R; eta = its coefficients / 2)."""
    with open(os.path.join(REF, "scale.json")) as f:
        r = json.load(f)["w4_small"]["REML" if reml else "ML"]
    path = os.path.join(REF, r["data"] + ".csv")
    fit = lcstat.transfer(pd.read_csv(path), r["formula"], scale=r["scale"], reml=reml, progress=False)
    assert fit.fit["loglik"] == pytest.approx(r["logLik"], rel=1e-7)
    close(list(fit.fixed["estimate"]), r["fixed"]["estimate"], 1e-5)
    assert list(fit.scale.columns) == ["term", "estimate", "se", "z", "p"]
    assert list(fit.scale["term"]) == r["scale_coef"]["term"]
    close(list(fit.scale["estimate"]), r["scale_coef"]["estimate"], 1e-4)
    close(list(fit.scale["se"]), r["scale_coef"]["se"], 1e-3)
    cli = os.path.join(ROOT, "dist", "bin", "lcstat")
    args = [cli, "transfer", path, "--formula", r["formula"], "--scale", r["scale"], "--format", "json"] + ([] if reml else ["--ml"])
    out = json.loads(subprocess.run(args, capture_output=True, text=True, check=True).stdout)
    assert out["fit"]["loglik"] == pytest.approx(fit.fit["loglik"], rel=1e-12)
    assert [row["term"] for row in out["scale"]] == r["scale_coef"]["term"]
    assert set(out["scale"][0]) == {"term", "estimate", "se", "z", "p"}


def test_scale_formula_errors():
    df = pd.read_csv(os.path.join(REF, "univbct.csv"))
    with pytest.raises(lcstat.LcstatError, match=r"is not \(1 \| group\)"):
        lcstat.transfer(df, "JSAT ~ TIME + (1 | SUBNUM)", scale="~ TIME + (1 + TIME | SUBNUM)", progress=False)
    with pytest.raises(lcstat.LcstatError, match=r"needs a random intercept of SUBNUM in the mean model"):
        lcstat.transfer(df, "JSAT ~ TIME + (1 | TIME)", scale="~ TIME + (1 | SUBNUM)", progress=False)
    with pytest.raises(TypeError, match="nagq must be an integer"):
        lcstat.transfer(df, "JSAT ~ TIME + (1 | SUBNUM)", scale="~ TIME + (1 | SUBNUM)", nagq=2.5, progress=False)
    with pytest.raises(TypeError, match="scale must be a formula string"):
        lcstat.transfer(df, "JSAT ~ TIME + (1 | SUBNUM)", scale=2, progress=False)


@pytest.mark.parametrize("kind", ["correlated", "independent"])
def test_random_scale_effect_matches_the_reference_through_python_and_the_cli(kind):
    """A random scale effect per community (MELS) against the independent ML fit in R
    (Reference/random_scale.json, scripts/make-reference-random-scale.R: dense covariance
    matrices, 40-node adaptive Gauss-Hermite, optim)."""
    with open(os.path.join(REF, "random_scale.json")) as f:
        ref = json.load(f)
    r = ref[kind]
    scale = ref["scale"] if kind == "correlated" else ref["scale_independent"]
    path = os.path.join(REF, "random_scale.csv")
    fit = lcstat.transfer(pd.read_csv(path), ref["formula"], scale=scale, nagq=25, progress=False)
    assert fit.fit["loglik"] == pytest.approx(r["loglik"], abs=1e-6)
    assert fit.fit["reml"] is False and fit.fit["nagq"] == 25
    close(list(fit.fixed["estimate"]), r["beta"], 1e-4)
    close(list(fit.scale["estimate"]), r["eta"], 1e-3)
    assert list(fit.scale_random.columns) == ["group", "term", "sd", "sd_se", "corr", "corr_se", "nagq"]
    assert fit.scale_random["sd"][0] == pytest.approx(r["sd_tau"], abs=1e-4)
    if kind == "correlated":
        assert fit.scale_random["corr"][0] == pytest.approx(r["rho"], abs=1e-4)
    else:
        assert math.isnan(fit.scale_random["corr"][0])
    assert list(fit.scale_blups.columns) == ["group", "level", "location", "location_se", "scale", "scale_se",
                                             "residual_sd", "residual_sd_se"]
    assert len(fit.scale_blups) == 40 and (fit.scale_blups["residual_sd_se"] > 0).all()
    cli = os.path.join(ROOT, "dist", "bin", "lcstat")
    args = [cli, "transfer", path, "--formula", ref["formula"], "--scale", scale, "--nagq", "25", "--format", "json"]
    out = json.loads(subprocess.run(args, capture_output=True, text=True, check=True).stdout)
    assert out["fit"]["loglik"] == pytest.approx(fit.fit["loglik"], rel=1e-12)
    assert out["fit"]["nagq"] == 25 and out["scale_random"][0]["sd"] == pytest.approx(r["sd_tau"], abs=1e-4)
    assert len(out["scale_blups"]) == 40 and set(out["scale_blups"][0]) == set(fit.scale_blups.columns)


def test_moderated_emergence_matches_glmmtmb_through_python_and_the_cli():
    """emergence --moderator "sd(lgo)" on the bundled climate data: eta3 (does a community's diversity in
    learning-goal orientation change the rate of emergence), its SE and the LRT against the unmoderated
    model, as glmmTMB's dispformula ~ session * m (Reference/scale.json; a singular, flat fit: 1e-4)."""
    with open(os.path.join(REF, "scale.json")) as f:
        r = json.load(f)["climate_moderated"]["REML"]
    path = os.path.join(ROOT, "examples", "data", "climate.csv")
    t = lcstat.emergence(pd.read_csv(path), group="community", person="person", time="session", value="lc1",
                         moderator="sd(lgo)")
    assert t["eta_time_moderator"][0] == pytest.approx(r["scale_coef"]["estimate"][3], rel=1e-4)
    assert t["eta_moderator"][0] == pytest.approx(r["scale_coef"]["estimate"][2], rel=1e-4)
    assert t["se_time_moderator"][0] == pytest.approx(r["scale_coef"]["se"][3], rel=1e-3)
    assert t["lr_moderator"][0] == pytest.approx(r["lr"], abs=1e-4)
    assert t["moderator_sd"][0] == pytest.approx(r["moderator_sd"], rel=1e-12)
    assert list(t["df_moderator"].unique()) == [2] and t["moderator"][0] == "sd(lgo)"
    # the implied SDs: sigma exp(eta0 + eta1 t + eta2 m + eta3 t m) at m = 0 and +-1 SD
    e = r["scale_coef"]["estimate"]
    s = r["moderator_sd"]
    want = [math.exp(e[0] + e[1] * tt + (e[2] + e[3] * tt) * s) for tt in t["time"]]
    close(list(t["sd_plus_1sd"]), want, 1e-4)
    assert (t["observed_sd"] > 0).all()
    cli = os.path.join(ROOT, "dist", "bin", "lcstat")
    out = subprocess.run([cli, "emergence", path, "--group", "community", "--person", "person", "--time", "session",
                          "--value", "lc1", "--moderator", "sd(lgo)", "--format", "json"], capture_output=True, text=True, check=True)
    rows = json.loads(out.stdout)
    rows = rows["rows"] if isinstance(rows, dict) else rows
    assert {"moderator", "eta_time_moderator", "se_time_moderator", "lr_moderator", "p_moderator"} <= set(rows[0])
    assert rows[0]["eta_time_moderator"] == pytest.approx(t["eta_time_moderator"][0], rel=1e-12)
    import matplotlib
    matplotlib.use("Agg")
    ax = lcstat.plot_emergence(t)
    assert len(ax.lines) == 4


def test_moderator_errors():
    df = pd.read_csv(os.path.join(ROOT, "examples", "data", "climate.csv"))
    with pytest.raises(lcstat.LcstatError, match="differs within a group"):
        lcstat.emergence(df, group="community", person="person", time="session", value="lc1", moderator="lgo")
    with pytest.raises(lcstat.LcstatError, match="cannot read the moderator"):
        lcstat.emergence(df, group="community", person="person", time="session", value="lc1", moderator="sd(lgo")
