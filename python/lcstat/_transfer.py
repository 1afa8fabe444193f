"""Transfer models: linear mixed models of sessions in persons in communities."""
from __future__ import annotations

from typing import TYPE_CHECKING

from . import _lcstat
from ._progress import progress_for
from ._api import LcstatError, _error, _result_class, _frame, _is_arrow, _is_path, _run as _run_analysis, _source, _table_frame as _frame_of, _tables

if TYPE_CHECKING:
    import pandas as pd


class TransferResult:
    """A fitted transfer model. Built complete by :func:`transfer`; read-only.

    Attributes
    ----------
    fixed : pandas.DataFrame
        ``term, estimate, se, df, t, p, ci_low, ci_high`` with Satterthwaite df
        (as lmerTest) and 95% t intervals; terms named and ordered as R's
        ``model.matrix`` names them (``MachineB``, ``age:SexMale``, ``poly(age, 2)1``).
    random : pandas.DataFrame
        ``group, term, sd, corr``: per grouping factor the SD of each random
        effect, then the correlations (term ``A:B``), then ``Residual`` (lme4's VarCorr order).
    fit : dict
        ``loglik, aic, bic, deviance, nobs, reml, converged, singular,
        evaluations, dropped_rows, r2_marginal, r2_conditional, groups`` (a dict of group counts).
    blups : pandas.DataFrame
        Conditional modes: ``group, level`` and one column per random effect.
    icc : pandas.DataFrame
        ``group, icc``: each grouping factor's share of the variance, from the
        random intercepts (the ICC at each level when the model is intercept-only).
    variance : pandas.DataFrame
        ``function, covariate, parameter, estimate, se`` of the residual variance
        function (empty without one): ``delta`` for ``exp(v)``, SD ratios per level for ``ident(v)``.
    scale : pandas.DataFrame
        ``term, estimate, se, z, p`` of the scale formula on log σ (empty without one;
        ``(Intercept)`` is log σ; glmmTMB's ``dispformula`` coefficients are twice these).
    correlation : pandas.DataFrame
        ``structure, group, parameter, estimate, se`` of the residual correlation
        structure (empty without one): ``phi`` for ``ar1``/``car1``, ``rho`` for ``cs``.
    scale_random : pandas.DataFrame
        ``group, term, sd, sd_se, corr, corr_se, nagq`` of a random scale effect (empty
        without one): the SD of the levels' log residual SDs and its correlation with the
        level's random intercept in the mean model.
    scale_blups : pandas.DataFrame
        ``group, level, location, location_se, scale, scale_se, residual_sd, residual_sd_se``:
        per level (community) its climate level (location BLUP) and consensus (τ on log SD,
        and the residual SD exp(η₀ + τ)), posterior means and SDs (empty without a random scale effect).
    """

    def __init__(self, capsule, formula: str, index=None, columns=None):
        self._capsule = capsule
        self._index = index
        self._columns = columns       # the columns the fit read, with their roles (lc_transfer_columns)
        self.formula = formula
        self.fixed = _frame_of(_lcstat.fit_table(capsule, "fixed"))
        self.random = _frame_of(_lcstat.fit_table(capsule, "random"))
        self.blups = _frame_of(_lcstat.fit_table(capsule, "blups"))
        self.icc = _frame_of(_lcstat.fit_table(capsule, "icc"))
        self.variance = _frame_of(_lcstat.fit_table(capsule, "variance"))
        self.correlation = _frame_of(_lcstat.fit_table(capsule, "correlation"))
        self.scale = _frame_of(_lcstat.fit_table(capsule, "scale"))
        self.scale_random = _frame_of(_lcstat.fit_table(capsule, "scale_random"))
        self.scale_blups = _frame_of(_lcstat.fit_table(capsule, "scale_blups"))
        row = _frame_of(_lcstat.fit_table(capsule, "fit"))
        fit = {k: _scalar(row[k].iloc[0]) for k in row.columns if not k.startswith("groups_")}
        fit["groups"] = {k[len("groups_"):]: int(row[k].iloc[0]) for k in row.columns if k.startswith("groups_")}
        fit["notes"] = row.attrs["notes"]
        self.fit = fit

    # tables read again after unpickling (the library's fit does not cross processes)
    _SAVED = ("fitted", "ranef", "r2", "anova")

    def _table(self, name: str):
        if self._capsule is None:
            if name not in self._saved:
                raise _error(f"this fit was unpickled: {name} needs the fit itself; fit it again in this process", 2)
            saved = self._saved[name]
            table = _result_class()(saved.copy())
            table.attrs = {k: list(v) if isinstance(v, list) else v for k, v in saved.attrs.items()}
            return table
        return _frame_of(_lcstat.fit_table(self._capsule, name))

    def _need_fit(self, what: str):
        if self._capsule is None:
            raise _error(f"this fit was unpickled: {what} needs the fit itself; fit it again in this process", 2)

    def __getstate__(self):
        state = {k: v for k, v in self.__dict__.items() if k not in ("_capsule", "_saved")}
        state["_saved"] = {}
        for name in self._SAVED:
            try:
                state["_saved"][name] = self._table(name)
            except LcstatError:
                pass
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._capsule = None

    def _per_row(self, column: str, name: str):
        import pandas as pd
        values = self._table("fitted")[column].to_numpy()
        return pd.Series(values, index=self._index if self._index is not None and len(self._index) == len(values) else None,
                         name=name)

    def fitted(self, random: bool = True, type: str = "response"):
        """Fitted values per input row (NaN where a row was left out): with the
        random effects (``random=True``, lme4's ``fitted``) or without (``random=False``,
        ``predict(fit, re.form = NA)``). A family model's are probabilities or means
        (``type="response"``) or the linear predictor (``type="link"``)."""
        if type not in ("response", "link"):
            raise ValueError("type must be 'response' or 'link'")
        if type == "link" and "family" in self.fit:
            return self._per_row("linear_predictor" if random else "linear_predictor_fixed", "linear_predictor")
        return self._per_row("fitted" if random else "fitted_fixed", "fitted")

    def residuals(self, type: str = "response", random: bool = True, scaled: bool = False):
        """Residuals per input row (NaN where a row was left out). ``type="response"``:
        y minus the fitted values (conditional with ``random=True``, marginal without);
        ``type="pearson"``: √w times the conditional residual, as lme4's
        ``residuals(fit, "pearson")``; ``scaled=True`` divides by σ (nlme's Pearson residuals)."""
        if type not in ("response", "pearson"):
            raise ValueError("type must be 'response' or 'pearson'")
        if type == "pearson" and not random:
            raise ValueError("Pearson residuals are conditional (random=True), as lme4's")
        if scaled and "family" in self.fit:
            raise ValueError(f"a {self.fit['family']} model has no residual SD to scale by")
        r = self._per_row("pearson" if type == "pearson" else ("residual" if random else "residual_fixed"), "residual")
        return r / self.random["sd"].iloc[-1] if scaled else r

    def predict(self, newdata, random: bool = True, type: str = "response"):
        """Predictions for the rows of ``newdata`` (a DataFrame with the predictors' columns),
        with the variables evaluated as on the fitted data (factor levels, ``poly``, ``scale``).
        ``random=True``: with the BLUPs, zero for levels the fit did not see (lme4's
        ``predict(fit, newdata, allow.new.levels = TRUE)``); ``random=False``: ``re.form = NA``.
        A family model predicts probabilities or means (``type="response"``, glmer's
        ``predict(type = "response")``) or the linear predictor (``type="link"``)."""
        import pandas as pd
        if type not in ("response", "link"):
            raise ValueError("type must be 'response' or 'link'")
        self._need_fit("predict")
        wanted = set(self._columns.loc[self._columns["role"] == "predictor", "column"])
        if _is_arrow(newdata):
            df, source = None, _source(newdata, sorted(wanted), None)
        else:
            df = _frame(newdata)
            source = _source(df, [c for c in df.columns if str(c) in wanted], None)
        table = _frame_of(_lcstat.fit_predict(self._capsule, source))
        missing = [n for n in table.attrs["notes"] if n.startswith("fit (with random effects) needs")]
        if random and missing:
            raise _error(missing[0] + "; predict(newdata, random=False) needs only the fixed part's", 6)
        column = ("link" if type == "link" and "link" in table.columns else "fit") + ("" if random else "_fixed")
        return pd.Series(table[column].to_numpy(), index=None if df is None else df.index, name="prediction")

    def ranef(self):
        """Conditional modes with their conditional SDs (lme4's
        ``as.data.frame(ranef(fit, condVar = TRUE))``): ``group, level, term, value, se``."""
        return self._table("ranef")

    def confint(self, method: str = "wald", level: float = 0.95, nsim: int = 1000, seed: int = 1, progress: bool = True):
        """Intervals of every parameter: ``parameter`` (sd, corr, sigma, fixed), ``group``,
        ``term``, ``estimate``, ``low``, ``high``. ``method="wald"`` (fixed effects, β ± z·SE),
        ``"profile"`` (profile likelihood on the ML deviance, or a generalized model's Laplace or
        quadrature deviance, as lme4's
        ``confint(fit, method = "profile")``) or ``"bootstrap"`` (percentiles of ``nsim``
        parametric bootstrap refits from ``seed``, as ``confint(fit, method = "boot")``).
        Ctrl-C stops it; past two seconds a progress bar shows (``progress=False``: none)."""
        if method not in ("wald", "profile", "bootstrap"):
            raise ValueError("method must be 'wald', 'profile' or 'bootstrap'")
        self._need_fit("confint")
        bar = progress_for("confint", progress)
        try:
            table = _lcstat.fit_confint(self._capsule, method, float(level), int(nsim), int(seed), bar)
        finally:
            if bar:
                bar.close()
        return _frame_of(table)

    def r2(self):
        """Marginal and conditional R² (Nakagawa & Schielzeth 2013, random slopes as
        Johnson 2014; ``performance::r2_nakagawa``): a Series with ``marginal, conditional``."""
        import pandas as pd
        t = self._table("r2")
        return pd.Series({"marginal": float(t["marginal"].iloc[0]), "conditional": float(t["conditional"].iloc[0])})

    def anova(self):
        """Type III F tests with Satterthwaite df (lmerTest's ``anova(fit)``):
        ``term, num_df, den_df, f, p``."""
        return self._table("anova")

    def summary(self) -> "Summary":
        """An lme4-like summary, rendered from the numeric tables as the CLI renders them (4
        decimals, NA, Inf): a str whose display (in a REPL or Jupyter) is the text itself."""
        f = self.fit
        tests = ("Wald z" if len(self.scale_random) or "family" in f else
                 "Kenward-Roger df" if any("Kenward-Roger" in n for n in self.fixed.attrs["notes"]) else "Satterthwaite df")
        if "family" in f:
            method = "Laplace Approximation" if f["nagq"] == 1 else f"Adaptive Gauss-Hermite Quadrature, nAGQ = {f['nagq']}"
            head = [f"Generalized linear mixed model fit by maximum likelihood ({method}; {tests})",
                    f" Family: {f['family']}  ( {f['link']} )"]
        else:
            head = [f"Linear mixed model fit by {'REML' if f['reml'] else 'maximum likelihood'} ({tests})"]
        lines = head + [f"Formula: {self.formula}", "",
                 f"     AIC      BIC   logLik  {'REMLcrit' if f['reml'] else 'deviance'}",
                 f"{f['aic']:8.1f} {f['bic']:8.1f} {f['loglik']:8.1f} {f['deviance']:9.1f}", "",
                 "Random effects:", _text(self.random), "",
                 f"Number of obs: {f['nobs']}, groups: " + "; ".join(f"{k}, {v}" for k, v in f["groups"].items()), ""]
        if "dispersion" in f:
            lines += [f"Dispersion parameter for {f['family']} family (): {f['dispersion']:.4f} "
                      f"(SE of its log {f['log_dispersion_se']:.4f})", ""]
        lines += ["Fixed effects:", _text(self.fixed)]
        for table, title in ((self.variance, "Residual variance function:"), (self.scale, "Scale model (log residual SD):"),
                             (self.correlation, "Residual correlation:"), (self.scale_random, "Random scale effect:")):
            if len(table):
                lines += ["", title, _text(table)]
        lines += ["", f"R2 marginal {f['r2_marginal']:.4f}, conditional {f['r2_conditional']:.4f}"]
        lines += [f"# {n}" for n in f["notes"]]
        return Summary("\n".join(lines))

    def _repr_html_(self) -> str:
        """The fit in a notebook: its statistics, random effects and fixed effects, with the notes."""
        import html
        f = self.fit
        stats = ", ".join(f"{k} {f[k]:.3f}" if isinstance(f[k], float) else f"{k} {f[k]}"
                          for k in ("loglik", "aic", "bic", "nobs", "converged", "singular"))
        kind = (f"Generalized linear mixed model</b> ({f['family']}, {f['link']} link" if "family" in f
                else f"Linear mixed model</b> ({'REML' if f['reml'] else 'ML'}")
        parts = [f"<p><b>{kind}): <code>{html.escape(self.formula)}</code><br>{stats}</p>",
                 "<p><b>Random effects</b></p>", self.random._repr_html_(), "<p><b>Fixed effects</b></p>", self.fixed._repr_html_()]
        for table, title in ((self.scale, "Scale model (log residual SD)"), (self.scale_random, "Random scale effect"),
                             (self.correlation, "Residual correlation"), (self.variance, "Residual variance function")):
            if len(table):
                parts += [f"<p><b>{title}</b></p>", table._repr_html_()]
        parts.append("<ul>" + "".join(f"<li>{html.escape(n)}</li>" for n in f["notes"]) + "</ul>")
        return "".join(parts)

    def __repr__(self) -> str:
        return f"<TransferResult {self.formula!r}: logLik {self.fit['loglik']:.3f}, {self.fit['nobs']} obs>"


class Summary(str):
    """An lme4-like summary: a str that displays as its text (no quotes) in a REPL or notebook."""

    def __repr__(self) -> str:
        return str(self)

    def _repr_pretty_(self, p, cycle):
        p.text(str(self))


def _text(table) -> str:
    """A table as the CLI's text tables show it: numbers to 4 decimals, NA for missing, Inf."""
    import math
    return table.to_string(index=False, na_rep="NA", float_format=lambda x: "Inf" if math.isinf(x) and x > 0
                           else "-Inf" if math.isinf(x) else f"{x:.4f}")


DDF = {"satterthwaite": 0, "kenward-roger": 1}
CONTRASTS = ("treatment", "sum", "helmert", "poly")


def _scalar(value):
    """A table cell as a Python scalar (numbers from NumPy, text as it is)."""
    return value.item() if hasattr(value, "item") else value


def transfer(data, formula: str, *, reml: bool = True, weights: str | None = None, contrasts: dict | None = None,
             ddf: str = "satterthwaite", variance: str | None = None, correlation: str | None = None,
             scale: str | None = None, nagq: int | None = None, family: str | None = None, link: str | None = None,
             read_options=None, progress: bool = True) -> TransferResult:
    """Fit a linear or generalized linear mixed model written in lme4's formula syntax, coded as R codes it.

    ``sharing ~ session + within(support, person) + between(support, person)
    + (1 + session | person) + (1 | community)``. R's formula language: ``a*b``,
    ``(a + b + c)^2``, ``a/b``, ``a %in% b``, ``- a:b``, ``0 +``; ``factor(x)``,
    ``ordered(x)``, ``relevel(x, "ref")``, ``I(expr)``, ``log``, ``exp``, ``sqrt``,
    ``abs``, ``log1p``, ``scale(x)``, ``poly(x, k)`` (``raw = TRUE``), ``offset(x)``,
    transformed responses (``log(y) ~ ...``), ``(x || g)``. lcstat's own
    ``within(x, g)`` (x minus its mean in g), ``between(x, g)`` (that mean), ``lag(x, g, t)``
    (x at the previous t), ``center(x)`` (x minus its grand mean). Factors are coded by
    contrasts only where the term's margin is in the model (R's rule): ``0 + f`` gives
    one column per level. A pandas Categorical keeps its category order (the first is the
    reference; ordered categoricals get polynomial contrasts).

    ``weights``: a column of prior weights (lme4's ``weights =``). ``contrasts``: e.g.
    ``{"condition": "sum"}`` (treatment, sum, helmert or poly), as lmer's ``contrasts``.
    ``ddf``: ``"satterthwaite"`` (lmerTest) or ``"kenward-roger"`` (pbkrtest's adjusted SEs and df, for
    REML fits without weights; ``summary(fit, ddf = "Kenward-Roger")``), used by ``fixed`` and ``anova()``.
    ``variance="exp(time)"`` gives the residual SD σ·exp(δ·time) (nlme's ``varExp``),
    ``"ident(session)"`` one SD per session (``varIdent``). ``correlation="ar1(session | person)"``
    correlates the residuals of a person's sessions as φ^|lag| (nlme's ``corAR1(form = ~ session | person)``;
    the session number, not the row order, sets the lag), ``"car1(time | person)"`` over continuous
    time (``corCAR1``), ``"cs(| person)"`` with one correlation ρ (``corCompSymm``); combinable with
    ``variance``, as nlme's ``lme(..., correlation =, weights =)``. ``scale="~ session * diversity"``
    gives a location-scale model, log σᵢ = η₀ + wᵢ'η (glmmTMB's ``dispformula``, whose gaussian
    coefficients are 2η), with the mean's random effects as written; ``fit.scale`` holds η.
    ``scale="~ session + (1 | community)"`` adds a random scale effect per community (MELS:
    each community its own log residual SD, correlated with its random intercept in the mean
    model, which must have ``(1 | community)``; ``(1 || community)`` for independence), fitted
    by maximum likelihood with ``nagq`` adaptive Gauss-Hermite nodes per community (1: Laplace; default 11);
    ``scale_random`` then holds its SD and correlation and ``scale_blups`` each community's
    level (location BLUP) and consensus (residual SD), with SEs. ``data`` is a DataFrame or a path to a CSV file.

    ``family="binomial"`` (a 0/1 or two-level response, the first level failure; or
    ``cbind(successes, failures) ~ ...``; or a proportion with ``weights=`` the trials) or
    ``"poisson"`` (counts; ``offset(log(exposure))`` for exposure) or ``"nbinom2"`` (overdispersed
    counts, Var = μ + μ²/k as glmmTMB's ``nbinom2``: ``fit["dispersion"]`` is k) fits a generalized linear mixed
    model as glmer does: the Laplace approximation (``nagq=1``, the default) or, for one grouping
    factor with a random intercept, adaptive Gauss-Hermite quadrature (``nagq`` up to 25); ``link``
    ``"logit"`` (default), ``"probit"`` or ``"cloglog"`` for binomial, ``"log"`` for poisson and nbinom2.
    ``fixed`` then has ``z`` instead of ``t`` and no ``df``; ``fitted()`` and ``predict()`` give
    probabilities or means (``fit``) and the linear predictor (``link``); R² and the ICC are on
    the latent scale (Nakagawa et al. 2017).

    R equivalent: ``lmerTest::lmer(formula, data, REML = reml, weights = w, contrasts = list(...))``;
    with a family, ``lme4::glmer(formula, data, family = binomial(link), nAGQ = nagq)``.
    """
    if not isinstance(formula, str):
        raise TypeError("formula must be a string")
    if variance is not None and not isinstance(variance, str):
        raise TypeError("variance must be a string such as 'exp(time)'")
    if correlation is not None and not isinstance(correlation, str):
        raise TypeError("correlation must be a string such as 'ar1(session | person)'")
    if scale is not None and not isinstance(scale, str):
        raise TypeError("scale must be a formula string such as '~ session * diversity'")
    if weights is not None and not isinstance(weights, str):
        raise TypeError("weights must be the name of a column")
    if nagq is not None and (isinstance(nagq, bool) or not isinstance(nagq, int)):
        raise TypeError("nagq must be an integer from 1 (Laplace) to 25")
    if nagq is not None and not 1 <= nagq <= 25:
        raise ValueError("nagq must be from 1 (Laplace) to 25")
    if family is not None and family not in ("binomial", "poisson", "nbinom2"):
        raise ValueError("family must be 'binomial', 'poisson' or 'nbinom2'")
    if link is not None and not isinstance(link, str):
        raise TypeError("link must be a string such as 'probit'")
    if ddf not in DDF:
        raise ValueError("ddf must be 'satterthwaite' or 'kenward-roger'")
    contrasts = dict(contrasts or {})
    for name, kind in contrasts.items():
        kind = kind[len("contr."):] if isinstance(kind, str) and kind.startswith("contr.") else kind
        if not isinstance(name, str) or kind not in CONTRASTS:
            raise ValueError(f"contrasts maps a factor's name to one of {', '.join(CONTRASTS)}; got {name!r}: {kind!r}")
        contrasts[name] = kind
    index = None
    options = (formula, bool(reml), variance, weights, list(contrasts), list(contrasts.values()), DDF[ddf], correlation, scale, nagq or 0, family, link)
    columns = _frame_of(_lcstat.transfer(None, *options, None, True))     # as the library parses the formula
    wanted = set(columns["column"])
    if _is_path(data) or _is_arrow(data):
        source = _source(data, list(columns["column"]), read_options)
    else:
        df = _frame(data)
        index = df.index
        _refuse_dates(df, wanted)
        source = _source(df, [c for c in df.columns if str(c) in wanted], read_options)
    bar = progress_for("transfer", progress)      # Ctrl-C stops the fit; a bar past two seconds
    try:
        capsule = _lcstat.transfer(source, *options, bar)
    finally:
        if bar:
            bar.close()
    return TransferResult(capsule, formula, index, columns)


def _refuse_dates(df, wanted):
    """Datetime columns are never silently turned into a factor: say how to use them."""
    import pandas as pd
    for c in df.columns:
        if str(c) in wanted and (pd.api.types.is_datetime64_any_dtype(df[c]) or pd.api.types.is_timedelta64_dtype(df[c])):
            err = LcstatError(f"column '{c}' holds dates or times; use a number, e.g. "
                              f"(df['{c}'] - df['{c}'].min()).dt.days, or factor() of its text for one level per date")
            err.code = 1
            raise err


@_tables
def emergence(data, *, group: str, person: str, time: str, value: str, reml: bool = True, moderator: str | None = None,
              read_options=None):
    """The consensus emergence model (Lang, Bliese & de Voogt 2018):
    ``value ~ time + (1 + time | group) + (1 | group:person)`` with and without a
    residual SD of σ·exp(δ·time). δ < 0: the within-group spread shrinks, consensus
    emerges. One row per distinct time: ``time, residual_sd``, then ``delta, se,
    ci_low, ci_high, sigma, loglik_null, loglik, lr, df, p_two_sided, p_one_sided,
    converged, singular``. The model can signal emergence that is not there (Psychol.
    Methods 2024, doi 10.1037/met0000511): read it with the trajectories.

    ``moderator="sd(lgo)"`` (or ``"mean(x)"``, ``"blau(x)"`` of a person-level column, one value
    per person, or a group-level column's name) asks whether a group characteristic m, centred
    over groups, changes the rate of emergence: log σ = η₀ + η₁·time + η₂·m + η₃·time·m.
    The rows then gain ``moderator, moderator_sd, eta_moderator, eta_time_moderator,
    se_time_moderator, lr_moderator, df_moderator, p_moderator`` (LRT against η₂ = η₃ = 0)
    and per time ``sd_minus_1sd, sd_at_mean, sd_plus_1sd, observed_sd``
    (:func:`plot_emergence` draws them).

    R equivalent: ``anova(lme(..., random = list(group = ~time, person = ~1)),
    update(<that>, weights = varExp(form = ~time)))``.
    """
    spec = {"group": [str(group)], "person": str(person), "time": str(time), "value": str(value),
            "reml": bool(reml)}
    columns = [str(group), str(person), str(time), str(value)]
    if moderator is not None:
        if not isinstance(moderator, str):
            raise TypeError("moderator must be a string such as 'sd(lgo)'")
        spec["moderator"] = moderator
        inner = moderator.strip()      # the column it reads (the library reads the text itself)
        if "(" in inner:
            inner = inner[inner.index("(") + 1:-1] if inner.endswith(")") else ""
        if inner.strip():
            columns.append(inner.strip())
    return _run_analysis("emergence", data, columns, spec, True, read_options, {"time": str(time)})


@_tables
def compare(fit0: TransferResult, fit1: TransferResult, refit: bool = True) -> pd.DataFrame:
    """Likelihood-ratio test of two nested fits of the same rows, as lme4's
    ``anova(fit0, fit1)``: REML fits are refitted by ML first (``refit=True``, lme4's
    default); with ``refit=False`` only REML fits whose fixed effects differ are.
    Columns: ``model, npar, aic, bic, loglik, deviance, chisq, df, p``."""
    fit0._need_fit("compare")
    fit1._need_fit("compare")
    return _frame_of(_lcstat.compare(fit0._capsule, fit1._capsule, bool(refit)))
