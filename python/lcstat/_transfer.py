"""Transfer models: linear mixed models of sessions in persons in communities."""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

from . import _lcstat
from ._api import _frame, _is_path, _run as _run_analysis, _source, _table_frame as _frame_of

if TYPE_CHECKING:
    import pandas as pd


class TransferResult:
    """A fitted transfer model. Built complete by :func:`transfer`; read-only.

    Attributes
    ----------
    fixed : pandas.DataFrame
        ``term, estimate, se, df, t, p, ci_low, ci_high`` with Satterthwaite df
        (as lmerTest) and 95% t intervals.
    random : pandas.DataFrame
        ``group, term, sd, corr``: per grouping factor the SD of each random
        effect, then the correlations (term ``A:B``), then ``Residual``.
    fit : dict
        ``loglik, aic, bic, deviance, nobs, reml, converged, singular,
        evaluations, dropped_rows, groups`` (a dict of group counts).
    blups : pandas.DataFrame
        Conditional modes: ``group, level`` and one column per random effect.
    icc : pandas.DataFrame
        ``group, icc``: each grouping factor's share of the variance, from the
        random intercepts (the ICC at each level when the model is intercept-only).
    variance : pandas.DataFrame
        ``function, covariate, parameter, estimate, se`` of the residual variance
        function (empty without one): ``delta`` for ``exp(v)``, SD ratios per level for ``ident(v)``.
    """

    def __init__(self, capsule, formula: str):
        self._capsule = capsule
        self.formula = formula
        self.fixed = _frame_of(_lcstat.fit_table(capsule, "fixed"))
        self.random = _frame_of(_lcstat.fit_table(capsule, "random"))
        self.blups = _frame_of(_lcstat.fit_table(capsule, "blups"))
        self.icc = _frame_of(_lcstat.fit_table(capsule, "icc"))
        self.variance = _frame_of(_lcstat.fit_table(capsule, "variance"))
        row = _frame_of(_lcstat.fit_table(capsule, "fit"))
        fit = {k: row[k].iloc[0].item() for k in row.columns if not k.startswith("groups_")}
        fit["reml"], fit["converged"], fit["singular"] = bool(fit["reml"]), bool(fit["converged"]), bool(fit["singular"])
        fit["groups"] = {k[len("groups_"):]: int(row[k].iloc[0]) for k in row.columns if k.startswith("groups_")}
        fit["notes"] = row.attrs["notes"]
        self.fit = fit

    def summary(self) -> str:
        """An lme4-like summary, rendered from the numeric tables (also printed)."""
        f = self.fit
        lines = [f"Linear mixed model fit by {'REML' if f['reml'] else 'maximum likelihood'} (Satterthwaite df)",
                 f"Formula: {self.formula}", "",
                 f"     AIC      BIC   logLik  {'REMLcrit' if f['reml'] else 'deviance'}",
                 f"{f['aic']:8.1f} {f['bic']:8.1f} {f['loglik']:8.1f} {f['deviance']:9.1f}", "",
                 "Random effects:", self.random.to_string(index=False, na_rep=""), "",
                 f"Number of obs: {f['nobs']}, groups: " + "; ".join(f"{k}, {v}" for k, v in f["groups"].items()), "",
                 "Fixed effects:", self.fixed.to_string(index=False)]
        if len(self.variance):
            lines += ["", "Residual variance function:", self.variance.to_string(index=False)]
        lines += [f"# {n}" for n in f["notes"]]
        text = "\n".join(lines)
        print(text)
        return text

    def __repr__(self) -> str:
        return f"<TransferResult {self.formula!r}: logLik {self.fit['loglik']:.3f}, {self.fit['nobs']} obs>"


def transfer(data, formula: str, *, reml: bool = True, variance: str | None = None, read_options=None) -> TransferResult:
    """Fit a linear mixed model written in lme4's formula syntax.

    ``sharing ~ session + within(support, person) + between(support, person)
    + (1 + session | person) + (1 | community)``: ``within(x, g)`` is x minus
    its mean in g, ``between(x, g)`` that mean, ``lag(x, g, t)`` x at the
    previous t, ``center(x)`` x minus its grand mean. REML by default
    (``reml=False`` for ML). ``data`` is a DataFrame or a path to a CSV file.
    ``variance="exp(time)"`` gives the residual SD σ·exp(δ·time) (nlme's
    ``varExp``), ``"ident(session)"`` one SD per session (``varIdent``).

    R equivalent: ``lmerTest::lmer(formula, data, REML = reml)``.
    """
    if not isinstance(formula, str):
        raise TypeError("formula must be a string")
    if _is_path(data):
        source = _source(data, None, read_options)     # every column; the formula picks its own
    else:
        df = _frame(data)
        wanted = set(re.findall(r"[A-Za-z_.][A-Za-z0-9_.]*|`[^`]*`", formula))
        wanted = {w.strip("`") for w in wanted} | set(re.findall(r"\(([^()]*)\)", variance or ""))
        source = _source(df, [c for c in df.columns if str(c) in wanted], read_options)
    if variance is not None and not isinstance(variance, str):
        raise TypeError("variance must be a string such as 'exp(time)'")
    return TransferResult(_lcstat.transfer(source, formula, bool(reml), variance), formula)


def emergence(data, *, group: str, person: str, time: str, value: str, reml: bool = True, read_options=None):
    """The consensus emergence model (Lang, Bliese & de Voogt 2018):
    ``value ~ time + (1 + time | group) + (1 | group:person)`` with and without a
    residual SD of σ·exp(δ·time). δ < 0: the within-group spread shrinks, consensus
    emerges. One row per distinct time: ``time, residual_sd``, then ``delta, se,
    ci_low, ci_high, sigma, loglik_null, loglik, lr, df, p_two_sided, p_one_sided,
    converged, singular``. The model can signal emergence that is not there (Psychol.
    Methods 2024, doi 10.1037/met0000511): read it with the trajectories.

    R equivalent: ``anova(lme(..., random = list(group = ~time, person = ~1)),
    update(<that>, weights = varExp(form = ~time)))``.
    """
    spec = {"group": [str(group)], "options": {"person": str(person), "time": str(time), "value": str(value),
                                               "reml": "true" if reml else "false"}}
    columns = [str(group), str(person), str(time), str(value)]
    return _run_analysis("emergence", data, columns, spec, None, True, read_options)


def compare(fit0: TransferResult, fit1: TransferResult) -> pd.DataFrame:
    """Likelihood-ratio test of two nested fits of the same rows, as lme4's
    ``anova(fit0, fit1)``: REML fits that differ in their fixed effects are
    refitted by ML. Columns: ``model, npar, aic, bic, loglik, deviance, chisq, df, p``."""
    return _frame_of(_lcstat.compare(fit0._capsule, fit1._capsule))
