"""The Python API over the private C accelerator ``lcstat._lcstat``."""
from __future__ import annotations

import os
from typing import TYPE_CHECKING, Iterable, Sequence

from . import _lcstat
from ._progress import progress_for

if TYPE_CHECKING:
    import pandas as pd

# numpy and pandas are imported when first needed, not by ``import lcstat``:
# an analysis of a CSV path then runs before pandas is loaded, so the process
# never holds pandas' ~55 MB and the analysis' working memory at the same time.

LcstatError = _lcstat.LcstatError


def set_memory_budget(bytes: int | None = None) -> int:
    """Sets the memory a call may plan to use (``None``: the default, three quarters of the
    smaller of physical memory and ``ulimit -v``) and returns the budget in force. A call
    whose replications, resamples, refits or design would need more raises ``LcstatError``
    (code 8) naming the size, instead of running the machine out of memory."""
    if bytes is not None and (isinstance(bytes, bool) or not isinstance(bytes, int) or bytes <= 0):
        raise ValueError("bytes must be a positive int, or None for the default")
    return _lcstat.memory_budget(0 if bytes is None else bytes)


def version() -> str:
    """The version of the loaded liblcstat, e.g. ``'0.1.0'``."""
    return _lcstat.version()[1]


def _names(x: str | Iterable[str] | None, what: str) -> list[str]:
    if x is None:
        return []
    if isinstance(x, str):
        return [x]
    out = list(x)
    if not all(isinstance(v, str) for v in out):
        raise TypeError(f"{what} must be a column name or a list of column names")
    return out


def _frame(data) -> pd.DataFrame:
    """A pandas DataFrame of the data; Arrow data (``__arrow_c_stream__``: polars, pyarrow,
    DuckDB, pandas with Arrow dtypes) pass unchanged, to be read by the library directly."""
    if _is_arrow(data):
        return data
    import pandas as pd
    return data if isinstance(data, pd.DataFrame) else pd.DataFrame(data)


def _tables(fn):
    """Gives a table-returning function the keyword ``to_arrow=False``: ``True`` returns the
    table as a ``pyarrow.Table`` (:meth:`Result.to_arrow`, notes in its schema's metadata), so
    that polars and DuckDB users stay in Arrow."""
    import functools
    import inspect

    @functools.wraps(fn)
    def wrapper(*args, to_arrow: bool = False, **kwargs):
        result = fn(*args, **kwargs)
        if not to_arrow:
            return result
        if not hasattr(result, "to_arrow"):
            result = _result_class()(result)
        return result.to_arrow()

    signature = inspect.signature(fn)
    wrapper.__signature__ = signature.replace(parameters=[*signature.parameters.values(),
                                                          inspect.Parameter("to_arrow", inspect.Parameter.KEYWORD_ONLY, default=False)])
    return wrapper


FOREIGN = (".sav", ".zsav", ".por", ".dta")


def _is_foreign(path) -> bool:
    """An SPSS or Stata file, which the library reads through ReadStat."""
    p = os.fspath(path)
    return (p.decode(errors="replace") if isinstance(p, bytes) else p).lower().endswith(FOREIGN)


@_tables
def read(path, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """A data file as lcstat reads it, as a DataFrame: SPSS (``.sav``, ``.zsav``, ``.por``) and
    Stata (``.dta``) through ReadStat (user-missing values missing; labelled numbers stay
    numbers, and their labels name the groups when a column groups an analysis), anything
    else as CSV with the reader's defaults. ``columns`` keeps only those. Every analysis also
    takes such a path directly: ``lcstat.agreement("survey.sav", group=..., items=...)``."""
    if not _is_path(path):
        raise TypeError("read takes a path to a file")
    source = (os.fspath(path), None if columns is None else list(dict.fromkeys(columns)))
    return _table_frame(_lcstat.read(source))


def _is_arrow(data) -> bool:
    """Data that the library reads through the Arrow C stream interface, without pandas: any
    object with ``__arrow_c_stream__`` except a pandas DataFrame of NumPy dtypes (whose keys
    and categoricals the pandas path restores as they went in)."""
    if not hasattr(data, "__arrow_c_stream__"):
        return False
    import sys
    pd = sys.modules.get("pandas")
    if pd is not None and isinstance(data, pd.DataFrame):
        return any(isinstance(t, pd.ArrowDtype) for t in data.dtypes)
    return True


def _is_path(data) -> bool:
    return isinstance(data, (str, bytes, os.PathLike))


def _character(options: dict, key: str) -> int:
    """A read option of one ASCII character as its code (0: none, the reader decides)."""
    c = options.get(key) or ""
    if not isinstance(c, str) or len(c) > 1 or not c.isascii():
        raise ValueError(f"{key} must be a single character")
    return ord(c) if c else 0


def _source(data, columns: Sequence[str] | None, read_options: dict | None):
    """What the C layer reads: a (path, options) pair for a CSV file, which the
    library parses itself (lcstat's reader: SPSS-style ';' and decimal commas,
    missing codes), or the needed columns of a DataFrame. ``columns=None`` means
    every column of a file (a DataFrame's columns must be named)."""
    if _is_path(data) and _is_foreign(data):
        if read_options:
            raise TypeError("read_options apply to CSV files, not to SPSS or Stata files")
        return (os.fspath(data), None if columns is None else list(dict.fromkeys(columns)))
    if _is_path(data):
        opts = dict(read_options or {})
        unknown = set(opts) - {"delimiter", "decimal", "na_values"}
        if unknown:
            raise TypeError(f"unknown read option(s): {', '.join(sorted(unknown))}")
        if opts.get("delimiter") == "tab":
            opts["delimiter"] = "\t"
        na = opts.get("na_values") or []
        na = [na] if isinstance(na, str) else [str(v) for v in na]   # "-99" is one code, not '-', '9', '9'
        return (os.fspath(data), _character(opts, "delimiter"), _character(opts, "decimal"), na,
                None if columns is None else list(dict.fromkeys(columns)))
    if read_options:
        raise TypeError("read_options apply only when data is a path to a CSV file")
    if _is_arrow(data):
        return (data.__arrow_c_stream__(), None if columns is None else list(dict.fromkeys(columns)))
    df = _frame(data)
    _check_column_names(df)
    return [_column(df, c) for c in dict.fromkeys(columns or [])]


def _error(message: str, code: int) -> LcstatError:
    err = LcstatError(message)
    err.code = code
    return err


def _check_column_names(df) -> None:
    """Column names are keys: each a distinct string."""
    names = list(df.columns)
    bad = [c for c in names if not isinstance(c, str)]
    if bad:
        raise _error(f"column names must be strings, not {bad[0]!r} ({type(bad[0]).__name__}); rename the columns", 1)
    if len(set(names)) != len(names):
        dup = sorted({c for c in names if names.count(c) > 1})
        raise _error(f"duplicate column name(s): {', '.join(map(repr, dup))}", 1)


def _column(df: pd.DataFrame, name: str):
    """One column for the C layer: int64 values (with a missing mask when some are missing),
    float64 values, or factorized codes and levels. Vectorised: no per-cell work in Python."""
    import numpy as np
    import pandas as pd
    if name not in df.columns:
        err = LcstatError(f"unknown column '{name}' (columns: {', '.join(map(str, list(df.columns)[:20]))})")
        err.code = 6  # LC_STATUS_UNKNOWN_COLUMN, as the library would report it
        raise err
    s = df[name]
    if pd.api.types.is_complex_dtype(s):
        raise _error(f"column '{name}' holds complex numbers; lcstat reads real numbers only", 4)
    if s.dtype == object and pd.api.types.infer_dtype(s, skipna=True) in ("integer", "floating", "mixed-integer-float", "decimal"):
        try:
            s = pd.to_numeric(s)       # an object column holding numbers is numbers
        except (OverflowError, ValueError):
            pass                       # integers beyond 64 bits: exact text keys below
    if isinstance(s.dtype, pd.CategoricalDtype):
        # the categories in their own order: the first is the reference level, as R's factor
        codes = np.ascontiguousarray(s.cat.codes.to_numpy(), dtype=np.int64)
        return (name, (codes, _label_texts(s.cat.categories), bool(s.cat.ordered)))
    if pd.api.types.is_integer_dtype(s) and not pd.api.types.is_bool_dtype(s):
        # integers stay integers, exact at any size (ids such as 10**17 + i are keys, never merged)
        if s.dtype.kind != "u" or len(s) == 0 or int(s.max()) < 2 ** 63:
            missing = s.isna().to_numpy()
            values = np.ascontiguousarray(s.to_numpy(dtype=np.int64, na_value=0))
            return (name, (values, np.ascontiguousarray(missing, dtype=np.uint8)) if missing.any() else values)
    elif pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
        return (name, np.ascontiguousarray(s.to_numpy(dtype=np.float64, na_value=np.nan)))
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    labels = _label_texts(uniques)
    if len(set(labels)) != len(labels):
        # 1 and '1' in one column: two groups that would print as one
        seen, clash = {}, None
        for u, text in zip(uniques, labels):
            if text in seen:
                clash = (seen[text], u)
                break
            seen[text] = u
        raise _error(f"column '{name}' holds values that print the same but differ: {clash[0]!r} ({type(clash[0]).__name__}) "
                     f"and {clash[1]!r} ({type(clash[1]).__name__}); make them one type", 1)
    return (name, (np.ascontiguousarray(codes, dtype=np.int64), labels))


def _label_texts(uniques) -> list[str]:
    """The text of each distinct value of a text-like column, as the library receives it
    (and as :func:`_restore_keys` matches it when it gives the values back)."""
    return [str(u) for u in uniques]


def _null(null) -> str:
    """The null for the library: a name, or a variance given as a number."""
    if isinstance(null, (int, float)) and not isinstance(null, bool):
        return repr(float(null))
    return str(null)


def _scale(scale) -> tuple[float, float] | None:
    if scale is None:
        return None
    try:
        low, high = scale
        return (float(low), float(high))
    except (TypeError, ValueError):
        raise TypeError("scale must be a (low, high) tuple, e.g. (1, 5)") from None


def _table_frame(table, extra: bool = True) -> pd.DataFrame:
    """A library table as a DataFrame (its notes in ``attrs``), in the table's column
    order: all columns, or (``extra=False``) those the library declares its contract.

    Memory, in this order: each wanted numeric column is copied once from the
    library into the float64 block (or int64 array) pandas will keep, text
    columns become lists of str, the library's table is freed (``table`` must
    be the only reference), and only then is pandas imported; the frame is
    built around the block without copying it."""
    nrows, layout, notes = _lcstat.table_layout(table)
    keep = [(i, name, kind) for i, (name, kind, is_extra) in enumerate(layout) if extra or not is_extra]
    import numpy as np
    floats = [(i, name) for i, name, kind in keep if kind == "f"]
    block = np.empty((len(floats), nrows), dtype=np.float64)
    for row, (i, _) in enumerate(floats):
        _lcstat.table_column(table, i, block[row])
    others = {}
    for i, name, kind in keep:
        if kind in ("i", "b"):
            others[i] = np.empty(nrows, dtype=np.int64 if kind == "i" else np.bool_)
            _lcstat.table_column(table, i, others[i])
        elif kind == "s":
            others[i] = _lcstat.table_column(table, i)
    del table
    import pandas as pd
    df = _result_class()(block.T, columns=[name for _, name in floats], copy=False)
    for position, (i, name, kind) in enumerate(keep):
        if kind != "f":
            df.insert(position, name, others.pop(i))
    df.attrs["notes"] = list(notes)
    return df


def _make_result_class():
    """lcstat's table type, made on first use (after pandas is imported; see ``__getattr__``)."""
    import html
    import json

    import pandas as pd

    class Result(pd.DataFrame):
        """A table of lcstat's: a pandas DataFrame whose notes (``attrs["notes"]``: conventions,
        left-out rows, where lcstat and R differ) show with it, in Jupyter and as text.
        Frames derived from it (``head()``, a selection) are plain DataFrames."""

        @property
        def _constructor(self):
            return pd.DataFrame

        def _notes(self):
            return list(self.attrs.get("notes") or [])

        def _repr_html_(self):
            body = super()._repr_html_()
            notes = self._notes()
            if body is None or not notes:
                return body
            items = "".join(f"<li>{html.escape(n)}</li>" for n in notes)
            return body + f'<ul class="lcstat-notes" style="margin-top:0.3em;font-size:smaller;color:#555">{items}</ul>'

        def __repr__(self):
            return super().__repr__() + "".join(f"\n# {n}" for n in self._notes())

        def to_arrow(self):
            """The table as a ``pyarrow.Table`` (needs pyarrow), its notes in the schema's
            metadata under ``lcstat.notes`` (a JSON list)."""
            import pyarrow as pa
            table = pa.Table.from_pandas(pd.DataFrame(self), preserve_index=False)
            return table.replace_schema_metadata({**(table.schema.metadata or {}),
                                                  b"lcstat.notes": json.dumps(self._notes()).encode()})

    Result.__module__, Result.__qualname__ = __name__, "Result"     # pickles name it lcstat._api.Result
    return Result


def _result_class():
    return globals()["Result"] if "Result" in globals() else __getattr__("Result")


def __getattr__(name):
    # PEP 562: `Result` subclasses pandas.DataFrame, so it is made when first asked for
    # (importing lcstat does not import pandas); pickles of tables find it here
    if name == "Result":
        cls = _make_result_class()
        globals()["Result"] = cls
        return cls
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _run(analysis: str, data, columns: Sequence[str], spec: dict, extra: bool = True,
         read_options: dict | None = None, keys: dict[str, str] | None = None, progress: bool = True) -> pd.DataFrame:
    """Runs an analysis; ``keys`` maps the result's key columns to the input columns they come
    from, so a DataFrame's keys come back as they went in (see :func:`_restore_keys`).
    Ctrl-C stops it (``KeyboardInterrupt``); past two seconds it shows a progress bar
    unless ``progress`` is false."""
    if data is not None and not _is_path(data):
        data = _frame(data)     # once: the columns sent and the keys given back come from one frame
    # the table goes straight into _table_frame, which frees it before building the frame
    bar = progress_for(analysis, progress)
    try:
        table = _lcstat.run(analysis, None if data is None else _source(data, columns, read_options), spec, bar)
    finally:
        if bar:
            bar.close()
    result = _table_frame(table, extra)
    if keys and not _is_path(data) and not _is_arrow(data):
        _restore_keys(result, data, keys)
    return result


def _group_keys(group: list[str]) -> dict[str, str]:
    """The result's group key columns and their input columns: ``group`` for one, else each by its name."""
    return {"group": group[0]} if len(group) == 1 else {c: c for c in group}


def _restore_keys(result: pd.DataFrame, df: pd.DataFrame, keys: dict[str, str]) -> None:
    """Gives key columns back with the input column's values and dtype: integers as their
    integer type, text exactly, booleans as bool, dates as dates, a categorical with its
    categories and order. The library keeps each distinct key exact; this only retypes it."""
    import pandas as pd
    for out, column in keys.items():
        if f"group_{out}" in result.columns and out != "group":
            out = f"group_{out}"          # renamed by the library: the table has a column of that name
        if out not in result.columns or column not in df.columns:
            continue
        source, got = df[column], result[out]
        if isinstance(source.dtype, pd.CategoricalDtype):
            lookup = dict(zip(_label_texts(source.cat.categories), source.cat.categories))
            result[out] = pd.Categorical(got.astype(str).map(lookup), categories=source.cat.categories,
                                         ordered=source.cat.ordered)
        elif pd.api.types.is_numeric_dtype(source) and not pd.api.types.is_bool_dtype(source) \
                and pd.api.types.is_numeric_dtype(got):
            result[out] = got.astype(source.dtype)
        else:
            _, uniques = pd.factorize(source, use_na_sentinel=True)
            lookup = dict(zip(_label_texts(uniques), uniques))
            restored = got.astype(str).map(lookup)
            try:
                result[out] = restored.astype(source.dtype)
            except (TypeError, ValueError):
                result[out] = restored


@_tables
def agreement(data, *, group, items, scale=None, null="uniform", missing="available", reverse=None,
              significance=False, replications=10_000, seed=1, extra=False, read_options=None,
              progress=True) -> pd.DataFrame:
    """Climate level and consensus per group.

    Parameters
    ----------
    data : pandas.DataFrame, dict of columns, or path to a CSV file
        One row per respondent. A path is read by lcstat's own reader (faster
        than pandas, and only the needed columns); ``read_options`` may then
        give ``delimiter`` (",", ";", "tab"), ``decimal`` ("." or ",") and
        ``na_values`` (extra missing codes such as ``["-99"]``).
    group : str or list of str
        Group column(s). One comes back as the column ``group``; several form one
        key (a tuple: ``("a_b", "c")`` and ``("a", "b_c")`` are two groups) and come
        back as one column each, under their own names. Keys come back as they went
        in: integers as integers, text exactly, dates as dates, categoricals in order.
    items : list of str
        Item columns (one item gives single-item rwg).
    scale : (low, high), optional
        Declared response scale, e.g. ``(1, 5)``. Without it ``rwg_j``,
        ``rwg_j_lindell`` and ``awg`` are NaN.
    null : str or float
        ``"uniform"`` ((A^2-1)/12), ``"slight_skew"``, ``"moderate_skew"``,
        ``"heavy_skew"``, ``"triangular"``, ``"normal"`` (LeBreton & Senter
        2008), or a variance.
    missing : {"available", "listwise"}
        Every available answer per item (R multilevel 2.8), or only respondents
        who answered every item (multilevel 2.7).
    reverse : list of str, optional
        Items to reverse-code as low + high - x (needs ``scale``).
    significance : bool
        Also return ``rwg_j_p`` = P(rwg(J) >= observed) and ``ad_m_p`` = P(AD_M <= observed)
        under the null for each group's size and number of items (Dunlap, Burke &
        Smith-Crowe 2003): exact where the answer patterns can be enumerated, else
        ``replications`` simulated groups with ``seed``. Needs ``scale``.
    extra : bool
        Also return ``n_items``, ``rwg_j_raw`` (untruncated), ``awg_raw`` and ``note``.
    progress : bool
        Show a progress bar when the call runs over two seconds (tqdm if installed).
        Every call can be stopped with Ctrl-C (Jupyter's interrupt): ``KeyboardInterrupt``.

    Returns
    -------
    pandas.DataFrame
        One row per group: ``group, n, mean, sd, rwg_j, rwg_j_lindell, ad_m,
        ad_md, awg``. ``n`` is the effective number of respondents; ``mean``
        and ``sd`` are the level (called *strength* in the Dutch-language
        literature) and spread of respondents' scale scores; ``rwg_j`` is
        rwg(J) truncated to [0, 1] as R's multilevel does (rwg for one item);
        ``rwg_j_lindell`` is r*wg(J); ``ad_m``/``ad_md`` are the average
        deviation about the mean/median; ``awg`` is Brown & Hauenstein's index.
        ``result.attrs["notes"]`` lists the conventions used.

    R equivalent: ``multilevel::rwg.j``, ``rwg.j.lindell``, ``ad.m``, ``awg``.
    """
    g, it, rev = _names(group, "group"), _names(items, "items"), _names(reverse, "reverse")
    spec = {"group": g, "items": it, "reverse": rev, "scale": _scale(scale), "null": _null(null), "missing": str(missing),
            "significance": bool(significance), "replications": int(replications), "seed": int(seed)}
    return _run("agreement", data, g + it, spec, extra, read_options, _group_keys(g), progress)


@_tables
def icc(data, *, group, items, scale=None, reverse=None, missing="available", k="mean",
        bootstrap: int = 0, seed: int = 1, extra=False, read_options=None, progress=True) -> pd.DataFrame:
    """ICC(1) and ICC(2) from a one-way ANOVA, per item and for the scale score.

    Returns one row per item and a last row ``scale`` with columns ``item,
    icc1, icc2, f, df1, df2, p, groups, n`` (``extra=True`` adds
    ``ms_between, ms_within, k``, the F-based 95% intervals ``icc1_low,
    icc1_high, icc2_low, icc2_high`` and ``note``). ``k="mean"`` uses N/J as R's
    multilevel ``ICC1`` does; ``k="n0"`` the textbook group size.
    ``bootstrap=B`` adds percentile intervals from B resamples of the groups
    (``icc1_boot_low, icc1_boot_high, icc2_boot_low, icc2_boot_high``, seeded).

    ``data`` and ``read_options`` as in :func:`agreement`.

    R equivalent: ``multilevel::ICC1(aov(y ~ as.factor(g)))``, ``ICC2(...)``.
    """
    g, it, rev = _names(group, "group"), _names(items, "items"), _names(reverse, "reverse")
    spec = {"group": g, "items": it, "reverse": rev, "scale": _scale(scale), "missing": str(missing), "icc_k": str(k),
            "bootstrap": int(bootstrap), "seed": int(seed)}
    return _run("icc", data, g + it, spec, extra, read_options, progress=progress)


@_tables
def alpha(data, *, items, scale=None, reverse=None, group=None, read_options=None) -> pd.DataFrame:
    """Cronbach's alpha on complete cases.

    Returns one row per item (``alpha`` with that item dropped, ``r_drop`` its
    corrected item-total correlation) and a last row ``scale`` with the alpha of
    all items; ``n`` is the number of complete respondents. ``group`` is
    accepted for symmetry with the other functions and ignored.

    R equivalent: ``psych::alpha(x)$total$raw_alpha``, ``$alpha.drop``, ``$item.stats$r.drop``.
    """
    it, rev = _names(items, "items"), _names(reverse, "reverse")
    spec = {"items": it, "reverse": rev, "scale": _scale(scale)}
    return _run("alpha", data, it, spec, True, read_options)


@_tables
def scores(data, *, items, scale=None, reverse=None, missing="available", group=None, ids=None,
           read_options=None) -> pd.DataFrame:
    """Each respondent's scale score: the mean of the answered items after
    reverse coding (``missing="listwise"``: only respondents who answered all).

    Returns one row per input row, in input order: ``row`` (1-based), the row's
    ``group`` (when given; several group columns under their own names) and ``ids``
    columns (e.g. ``ids=["person", "session"]``) as they are in the data, then
    ``score`` (NaN without answers) and ``n_answered``.

    R equivalent: ``rowMeans(x, na.rm = TRUE)`` after reverse coding.
    """
    g, it, rev, idc = _names(group, "group"), _names(items, "items"), _names(reverse, "reverse"), _names(ids, "ids")
    spec = {"group": g, "items": it, "reverse": rev, "ids": idc, "scale": _scale(scale), "missing": str(missing)}
    if not _is_path(data):
        data = _frame(data)
    result = _run("scores", data, g + idc + it, spec, True, read_options)
    if not _is_path(data) and not _is_arrow(data):
        for out, column in {**_group_keys(g), **{c: c for c in idc}}.items():
            if out in result.columns:
                result[out] = data[column].array     # the row's own value and dtype, by position
    return result


@_tables
def level_consensus(data, *, group, items, outcome, scale=None, consensus="rwg_j", level=None, center=False,
                    weights=None, null="uniform", missing="available", reverse=None, read_options=None) -> pd.DataFrame:
    """Climate level and consensus together (Lindell & Brandt 2000; González-Romá
    et al. 2009): per group, the mean of ``outcome`` regressed on the climate level,
    the consensus and their product, ``ȳ = b0 + b1·level + b2·consensus + b3·level·consensus``.

    Parameters
    ----------
    outcome : str
        Respondent-level column; its group mean is the outcome.
    consensus : {"rwg_j", "sd", "ad_m"}
        The consensus index (``sd`` is the within-group SD of the scale score).
    level : str, optional
        A precomputed scale-score column for the level (group mean) and SD,
        instead of the mean of ``items``.
    center : bool
        Grand-mean centre level and consensus over groups before the product.
    weights : {None, "size"}
        Weighted least squares with group sizes as weights.

    Other arguments as in :func:`agreement`.

    Returns
    -------
    pandas.DataFrame
        One row per term (``(Intercept)``, ``level``, ``consensus``,
        ``level:consensus``): ``estimate, se, t, p`` (classical), ``se_hc3, t_hc3,
        p_hc3`` (HC3), ``se_hc0``, ``df``, and the model's ``r_squared,
        adj_r_squared, sigma, f, groups``.

    R equivalent: ``lm(y_mean ~ level * rwg_j, data = groups)`` with
    ``sandwich::vcovHC(fit, type = "HC3")``.
    """
    g, it, rev = _names(group, "group"), _names(items, "items"), _names(reverse, "reverse")
    if weights not in (None, "size"):
        raise ValueError("weights must be None or 'size'")
    spec = {"group": g, "items": it, "reverse": rev, "scale": _scale(scale), "null": _null(null),
            "missing": str(missing), "outcome": str(outcome), "consensus": str(consensus), "center": bool(center),
            "weights": weights or "none"}
    columns = g + it + [str(outcome)]
    if level is not None:
        spec["level_column"] = str(level)
        columns.append(str(level))
    return _run("level_consensus", data, columns, spec, True, read_options)


@_tables
def null_distribution(group_size: int, *, items: int = 1, scale=(1, 5), null="uniform", method: str = "auto",
                      replications: int = 10_000, seed: int = 1, progress: bool = True) -> pd.DataFrame:
    """Null distributions of the agreement indices for groups of ``group_size``
    raters answering ``items`` items uniformly at random (no agreement), as R's
    ``rwg.sim``, ``rwg.j.sim`` and ``ad.m.sim``.

    ``method="auto"`` enumerates every answer pattern where feasible (exact; Dunlap,
    Burke & Smith-Crowe 2003) and simulates the rest; ``"exact"`` only enumerates;
    ``"monte_carlo"`` only simulates (``replications``, ``seed``: the same seed gives
    the same numbers from Python, C and the CLI on any machine).

    Returns one row per statistic (``rwg_j``, ``rwg_j_lindell``, ``ad_m``, ``ad_md``,
    ``awg``): ``method, replications, mean, sd, prob_zero, prob_na, min, max, q01, q05,
    q10, q90, q95, q99, critical``. Quantiles follow Bliese's rules; ``critical`` is the
    .95 value (rwg family, awg) or the .05 value (AD): observed agreement at or
    beyond it is significant at 5%.
    """
    for name, v in (("group_size", group_size), ("items", items), ("replications", replications), ("seed", seed)):
        if isinstance(v, bool) or not isinstance(v, int):
            raise TypeError(f"{name} must be an int")
    spec = {"scale": _scale(scale), "null": _null(null), "group_size": group_size, "n_items": items,
            "replications": replications, "seed": seed, "method": str(method)}
    return _run("null_distribution", None, [], spec, progress=progress)


@_tables
def rgr(data, *, group, items, pseudo_groups: int = 1000, seed: int = 1, scale=None, reverse=None,
        read_options=None, progress=True) -> pd.DataFrame:
    """Random group resampling (Bliese & Halverson 2002; R's ``rgr.agree``): the
    mean within-group variance of the real groups against pseudo groups of the
    same sizes drawn by permuting all answers (``round(pseudo_groups / groups)``
    replicates, seeded).

    ``items``: one column, or several whose mean (the scale score) is used.
    Returns one row: ``groups, replicates, pseudo_groups, av_rgr_var, sd_rgr_var,
    av_grp_var, expected_rgr_var, z, p`` and quantiles ``q005 ... q995`` of the
    pseudo-group variances. Negative ``z`` (small one-sided ``p``): members of real
    groups agree more than chance.
    """
    g, it, rev = _names(group, "group"), _names(items, "items"), _names(reverse, "reverse")
    spec = {"group": g, "items": it, "reverse": rev, "scale": _scale(scale),
            "pseudo_groups": int(pseudo_groups), "seed": int(seed)}
    return _run("rgr", data, g + it, spec, True, read_options, progress=progress)


@_tables
def aggregation(data, *, group, items, scale, null="uniform", missing="available", reverse=None,
                replications: int = 10_000, seed: int = 1, read_options=None, progress=True) -> pd.DataFrame:
    """Aggregation evidence for a scale, the table reviewers ask for before a group
    mean may stand for the group: ICC(1) with its F test and 95% interval, ICC(2),
    mean and median rwg(J) and AD_M, the shares of groups past the usual cut-offs
    (.70; A/6) and past the .95 / .05 critical values of the null for their size,
    and a plain-language ``verdict`` row (Bliese 2000; LeBreton & Senter 2008;
    Burke & Dunlap 2002).

    Columns: ``measure, value, low, high, criterion, met, source``.
    """
    g, it, rev = _names(group, "group"), _names(items, "items"), _names(reverse, "reverse")
    spec = {"group": g, "items": it, "reverse": rev, "scale": _scale(scale), "null": _null(null), "missing": str(missing),
            "replications": int(replications), "seed": int(seed)}
    return _run("aggregation", data, g + it, spec, True, read_options, progress=progress)


@_tables
def bootstrap_groups(table, column: str, *, statistic: str = "mean", replicates: int = 2000, seed: int = 1,
                     progress: bool = True) -> pd.DataFrame:
    """The bootstrap over groups of any group-level column, e.g. the mean rwg(J) of an
    :func:`agreement` table: ``statistic`` ("mean" or "median") with its bootstrap
    SE and 95% percentile interval from ``replicates`` resamples of the rows (groups),
    seeded. Returns one row: ``statistic, estimate, se, low, high, groups, replicates``.
    """
    spec = {"items": [str(column)], "statistic": str(statistic), "replications": int(replicates), "seed": int(seed)}
    return _run("bootstrap", table, [str(column)], spec, progress=progress)
