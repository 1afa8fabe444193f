"""Consensus over time and group composition, and a plot of consensus trajectories."""
from __future__ import annotations

from typing import TYPE_CHECKING

from ._api import _group_keys, _names, _null, _run, _scale, _tables

if TYPE_CHECKING:
    import pandas as pd


@_tables
def consensus_over_time(data, *, group, wave, items, scale=None, null="uniform", missing="available", reverse=None,
                        extra=False, read_options=None) -> pd.DataFrame:
    """Level and consensus per group per wave (session): a long table ready to plot.

    One row per group and wave, groups in key order and waves in their natural
    order (numbers by value, dates by date): ``group, wave, n, mean, sd, rwg_j,
    rwg_j_lindell, ad_m, ad_md, awg`` (``extra=True`` adds the raw values and notes);
    ``group`` and ``wave`` keep their input types, several group columns come back
    as one column each. Other
    arguments as in :func:`lcstat.agreement`. See :func:`plot_consensus`.
    """
    g, it, rev = _names(group, "group"), _names(items, "items"), _names(reverse, "reverse")
    spec = {"group": g, "items": it, "reverse": rev, "scale": _scale(scale), "null": _null(null), "missing": str(missing),
            "wave": str(wave)}
    return _run("consensus_over_time", data, g + [str(wave)] + it, spec, extra, read_options,
                {**_group_keys(g), "wave": str(wave)})


@_tables
def composition(data, *, group, columns, read_options=None) -> pd.DataFrame:
    """Group composition on individual characteristics, as group-level variables:
    ``<col>_mean`` and ``<col>_sd`` for numeric columns, Blau's index
    ``<col>_blau`` (1 - sum p_k^2) and ``<col>_categories`` for text columns,
    one row per group with ``group, n``.
    """
    g, cols = _names(group, "group"), _names(columns, "columns")
    return _run("composition", data, g + cols, {"group": g, "items": cols}, True, read_options, _group_keys(g))


_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
_DASHES = ("-", "--", ":", "-.")


def _distinct_style(k: int, n: int) -> dict:
    """Line k of n, told apart from every other: up to 10 groups matplotlib's default colours;
    up to 20 the 20 colours of tab20; beyond, those colours again with another marker and dash
    (20 × 8 markers × 4 dashes before any pair repeats)."""
    if n <= 10:
        return {"color": f"C{k}", "marker": "o"}
    import matplotlib
    colours = matplotlib.colormaps["tab20"].colors
    return {"color": colours[k % 20], "marker": _MARKERS[(k // 20) % len(_MARKERS)],
            "linestyle": _DASHES[(k // (20 * len(_MARKERS))) % len(_DASHES)]}


def plot_consensus(table: pd.DataFrame, index: str = "rwg_j", ax=None, level: bool = False):
    """Consensus trajectories: one line per group over the waves of a
    :func:`consensus_over_time` table (``index`` any of its columns; ``level=True``
    plots the mean instead). Needs matplotlib (an optional dependency); returns the Axes."""
    try:
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError("plot_consensus needs matplotlib: pip install matplotlib") from None
    column = "mean" if level else index
    if column not in table.columns:
        raise ValueError(f"the table has no column '{column}'")
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4))
    import pandas as pd
    numeric = pd.to_numeric(table["wave"], errors="coerce")
    if numeric.notna().all():
        x = numeric
    else:   # text waves: positions in the order they first appear
        order = {w: i for i, w in enumerate(dict.fromkeys(table["wave"]))}
        x = table["wave"].map(order)
        ax.set_xticks(list(order.values()), list(order.keys()))
    keys = [c for c in table.columns[:list(table.columns).index("wave")]]
    groups = list(table.groupby(keys if len(keys) > 1 else keys[0], sort=False, observed=True))
    for k, (name, rows) in enumerate(groups):
        ax.plot(x[rows.index].to_numpy(), rows[column].to_numpy(), label=str(name), **_distinct_style(k, len(groups)))
    ax.set_xlabel("wave")
    ax.set_ylabel(column)
    if column in ("rwg_j", "awg"):
        ax.axhline(0.70, color="grey", linestyle=":", linewidth=1)
    ax.legend(fontsize="small", ncol=2)
    return ax


def plot_emergence(table: pd.DataFrame, ax=None):
    """Moderated consensus emergence: the residual SD implied per time at the moderator's mean
    and ±1 SD (lines) over the pooled within-group SD observed (points), from an
    :func:`emergence` table fitted with ``moderator=``. Needs matplotlib; returns the Axes."""
    try:
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError("plot_emergence needs matplotlib: pip install matplotlib") from None
    needed = ("time", "sd_minus_1sd", "sd_at_mean", "sd_plus_1sd", "observed_sd", "moderator")
    missing = [c for c in needed if c not in table.columns]
    if missing:
        raise ValueError(f"the table lacks {', '.join(missing)}: fit emergence(..., moderator=...)")
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4))
    name = str(table["moderator"].iloc[0])
    for column, label, style in (("sd_minus_1sd", f"{name} at -1 SD", "--"), ("sd_at_mean", f"{name} at its mean", "-"),
                                 ("sd_plus_1sd", f"{name} at +1 SD", ":")):
        ax.plot(table["time"].to_numpy(), table[column].to_numpy(), linestyle=style, label=label)
    ax.plot(table["time"].to_numpy(), table["observed_sd"].to_numpy(), "o", color="black", label="observed (pooled within groups)")
    ax.set_xlabel("time")
    ax.set_ylabel("residual SD within groups")
    ax.legend(fontsize="small")
    return ax
