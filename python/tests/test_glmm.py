"""Generalized linear mixed models through Python and the CLI against lme4's glmer
(Reference/glmm.json, scripts/make-reference-glmm.R)."""
import json
import math
import os
import subprocess

import pandas as pd
import pytest

import lcstat
from conftest import REF, ROOT, close


@pytest.fixture(scope="module")
def ref():
    with open(os.path.join(REF, "glmm.json")) as f:
        return json.load(f)


def test_binomial_with_trials_matches_glmer(ref):
    r = ref["cbpp"]
    df = pd.read_csv(os.path.join(REF, "cbpp.csv"))
    fit = lcstat.transfer(df, r["formula"], family="binomial", progress=False)
    close([fit.fit["loglik"]], [r["logLik"]], 1e-7)
    close(list(fit.fixed["estimate"]), r["fixed"]["estimate"], 1e-4)
    close(list(fit.fixed["se"]), r["fixed"]["se"], 1e-4)
    close(list(fit.fixed["z"]), r["fixed"]["z"], 1e-3)
    assert list(fit.fixed.columns) == ["term", "estimate", "se", "z", "p", "ci_low", "ci_high"]
    assert fit.fit["family"] == "binomial" and fit.fit["link"] == "logit" and fit.fit["nagq"] == 1
    assert list(fit.random["group"]) == ["herd"]            # no residual row, as glmer's VarCorr
    # probabilities on the response scale, the linear predictor on the link scale
    close(list(fit.fitted()[:10]), r["fitted_head"], 1e-5)
    close(list(fit.fitted(type="link")[:10]), r["link_head"], 1e-4)
    close(list(fit.predict(df)[:10]), r["fitted_head"], 1e-5)
    close(list(fit.predict(df, type="link")[:10]), r["link_head"], 1e-4)
    assert "Family: binomial" in fit.summary()
    # profile intervals as lme4's confint(method = "profile") (Reference/glmm_profile.json)
    with open(os.path.join(REF, "glmm_profile.json")) as f:
        prof = json.load(f)["cbpp"]
    ci = fit.confint(method="profile", progress=False)
    assert list(ci["parameter"]) == ["sd", "fixed", "fixed", "fixed", "fixed"]
    width = [h - l for l, h in zip(prof["low"], prof["high"])]
    for ours, theirs in (("low", prof["low"]), ("high", prof["high"])):
        assert all(abs(a - b) <= 2e-4 * w for a, b, w in zip(ci[ours], theirs, width)), (list(ci[ours]), theirs)
    with pytest.raises(lcstat.LcstatError, match="not available"):
        fit.confint(method="bootstrap", nsim=10, progress=False)


def test_quadrature_and_links(ref):
    df = pd.read_csv(os.path.join(REF, "cbpp.csv"))
    for name in ("cbpp_agq25", "cbpp_probit"):
        r = ref[name]
        fit = lcstat.transfer(df, r["formula"], family="binomial", link=r["link"], nagq=r["nagq"], progress=False)
        close([fit.fit["loglik"]], [r["logLik"]], 1e-6)
        close(list(fit.fixed["estimate"]), r["fixed"]["estimate"], 1e-4)
        assert fit.fit["nagq"] == r["nagq"] and fit.fit["link"] == r["link"]
    with pytest.raises(ValueError, match="nagq"):
        lcstat.transfer(df, ref["cbpp"]["formula"], family="binomial", nagq=30, progress=False)
    with pytest.raises(lcstat.LcstatError, match="no link"):
        lcstat.transfer(df, ref["cbpp"]["formula"], family="binomial", link="log", progress=False)


def test_text_response_and_two_crossed_factors(ref):
    """VerbAgg: r2 is N/Y text (N, the first level, is failure), id and item crossed."""
    r = ref["verbagg"]
    fit = lcstat.transfer(pd.read_csv(os.path.join(REF, "VerbAgg.csv")), r["formula"], family="binomial", progress=False)
    close([fit.fit["loglik"]], [r["logLik"]], 1e-7)
    close(list(fit.fixed["estimate"]), r["fixed"]["estimate"], 2e-4)
    close(list(fit.random["sd"]), r["random"]["sd"], 1e-3)
    close([fit.r2()["marginal"]], [r["r2_marginal"]], 1e-3)


def test_cli_family(ref):
    r = ref["grouseticks"]
    cli = os.path.join(ROOT, "dist", "bin", "lcstat")
    args = [cli, "transfer", os.path.join(REF, "grouseticks.csv"), "--formula", r["formula"], "--family", "poisson", "--format", "json"]
    out = json.loads(subprocess.run(args, check=True, capture_output=True, text=True).stdout)
    assert out["fit"]["family"] == "poisson" and out["fit"]["link"] == "log" and out["fit"]["nagq"] == 1
    assert out["fit"]["loglik"] >= r["logLik"] - 1e-5
    assert "z" in out["fixed"][0] and "t" not in out["fixed"][0] and "df" not in out["fixed"][0]
    bad = subprocess.run([cli, "transfer", os.path.join(REF, "grouseticks.csv"), "--formula", r["formula"], "--link", "probit"],
                         capture_output=True, text=True)
    assert bad.returncode != 0 and "--family" in bad.stderr


def test_negative_binomial_matches_glmmtmb_through_python_and_the_cli():
    """NB2 (glmmTMB's nbinom2) on Salamanders: Reference/nbinom2.json, scripts/make-reference-nbinom2.R."""
    with open(os.path.join(REF, "nbinom2.json")) as f:
        r = json.load(f)["salamanders"]
    path = os.path.join(REF, "Salamanders.csv")
    fit = lcstat.transfer(pd.read_csv(path), r["formula"], family="nbinom2", progress=False)
    close([fit.fit["loglik"]], [r["logLik"]], 1e-8)
    close(list(fit.fixed["estimate"]), r["fixed"]["estimate"], 1e-4)
    close(list(fit.fixed["se"]), r["fixed"]["se"], 1e-4)
    close([fit.fit["dispersion"]], [r["dispersion"]], 1e-4)
    assert fit.fit["family"] == "nbinom2" and fit.fit["link"] == "log"
    close(list(fit.fitted()[:10]), r["fitted_head"], 1e-4)
    out = subprocess.run([os.path.join(ROOT, "dist", "bin", "lcstat"), "transfer", path, "--family", "nbinom2",
                          "--formula", r["formula"], "--format", "json"], capture_output=True, text=True, check=True)
    cli = json.loads(out.stdout)
    assert cli["fit"]["loglik"] == fit.fit["loglik"] and cli["fit"]["dispersion"] == fit.fit["dispersion"]
    text = subprocess.run([os.path.join(ROOT, "dist", "bin", "lcstat"), "transfer", path, "--family", "nbinom2",
                           "--formula", r["formula"]], capture_output=True, text=True, check=True).stdout
    assert "Dispersion parameter for nbinom2 family" in text and "Dispersion parameter for nbinom2 family" in str(fit.summary())
    with pytest.raises(lcstat.LcstatError, match="nagq > 1"):
        lcstat.transfer(path, r["formula"], family="nbinom2", nagq=5, progress=False)
