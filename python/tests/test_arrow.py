"""Arrow data (issue 16.2): anything with ``__arrow_c_stream__`` (pyarrow Tables and
RecordBatchReaders, polars, pandas with Arrow dtypes) is read by the library through the
Arrow C stream interface, without pandas, and gives the numbers of the same data as pandas."""
import datetime
import os

import pandas as pd
import pytest

import lcstat
from conftest import ROOT

pa = pytest.importorskip("pyarrow")
CLIMATE = os.path.join(ROOT, "examples", "data", "climate.csv")
TRANSFER = os.path.join(ROOT, "examples", "data", "transfer.csv")
ITEMS = ["lc1", "lc2", "lc3", "lc4", "lc5", "lc6"]
FORMULA = "sharing ~ session + within(support, person) + between(support, person) + (1 + session | person) + (1 | community)"


def agreement(data):
    return lcstat.agreement(data, group="community", items=ITEMS, scale=(1, 5), reverse=["lc4"])


def test_pyarrow_tables_and_readers_match_pandas():
    df = pd.read_csv(CLIMATE)
    want = agreement(df)
    table = pa.Table.from_pandas(df, preserve_index=False)
    pd.testing.assert_frame_equal(agreement(table), want)
    # a stream of several record batches
    reader = pa.RecordBatchReader.from_batches(table.schema, table.to_batches(max_chunksize=100))
    pd.testing.assert_frame_equal(agreement(reader), want)
    # pandas with Arrow dtypes goes the Arrow way, with the same numbers
    pd.testing.assert_frame_equal(agreement(df.convert_dtypes(dtype_backend="pyarrow")), want, check_dtype=False)


def test_polars_matches_pandas_in_transfer_and_emergence():
    pl = pytest.importorskip("polars")
    df = pd.read_csv(TRANSFER)
    want = lcstat.transfer(df, FORMULA, progress=False)
    got = lcstat.transfer(pl.read_csv(TRANSFER), FORMULA, progress=False)
    pd.testing.assert_frame_equal(got.fixed, want.fixed)
    assert got.fit["loglik"] == want.fit["loglik"]
    pd.testing.assert_series_equal(got.predict(pl.read_csv(TRANSFER)), want.predict(df).reset_index(drop=True))
    climate = pd.read_csv(CLIMATE)
    args = dict(group="community", person="person", time="session", value="lc1")
    pd.testing.assert_frame_equal(lcstat.emergence(pl.from_pandas(climate), **args), lcstat.emergence(climate, **args),
                                  check_dtype=False)


def test_duckdb_results_match_pandas():
    """A DuckDB query result (a relation with ``__arrow_c_stream__``) is data like any other."""
    duckdb = pytest.importorskip("duckdb")
    con = duckdb.connect()
    relation = con.sql(f"select * from read_csv_auto('{CLIMATE}') order by community, session, person")
    want = agreement(pd.read_csv(CLIMATE))
    pd.testing.assert_frame_equal(agreement(relation), want, check_dtype=False)
    transfer = con.sql(f"select * from read_csv_auto('{TRANSFER}')")
    got, ref = lcstat.transfer(transfer, FORMULA, progress=False), lcstat.transfer(pd.read_csv(TRANSFER), FORMULA, progress=False)
    pd.testing.assert_frame_equal(got.fixed, ref.fixed)


def test_dictionaries_are_categoricals_and_ids_stay_exact():
    # a dictionary-encoded column keeps its dictionary's order (the reference level first)
    df = pd.read_csv(TRANSFER)
    cat = pd.Categorical(df["community"], categories=sorted(df["community"].unique(), reverse=True))
    table = pa.Table.from_pandas(df.assign(community=cat), preserve_index=False)
    assert pa.types.is_dictionary(table.schema.field("community").type)
    f = "sharing ~ session + community + (1 | person)"
    got = lcstat.transfer(table, f, progress=False)
    want = lcstat.transfer(df.assign(community=cat), f, progress=False)
    assert list(got.fixed["term"]) == list(want.fixed["term"])
    pd.testing.assert_frame_equal(got.fixed, want.fixed)
    # 64-bit ids beyond 2**53 stay distinct keys
    ids = pa.table({"g": pa.array([2**60, 2**60 + 1, 2**60, 2**60 + 1], pa.int64()), "x": [1.0, 2.0, 3.0, 5.0]})
    t = lcstat.agreement(ids, group="g", items=["x"])
    assert list(t["n"]) == [2, 2]


def test_arrow_types_lcstat_does_not_read_are_errors_naming_the_column():
    table = pa.table({"g": ["a", "b"], "when": [datetime.date(2026, 1, 1), datetime.date(2026, 1, 2)], "x": [1.0, 2.0]})
    with pytest.raises(lcstat.LcstatError, match=r"column 'when' has Arrow type 'tdD' \(a date\)"):
        lcstat.agreement(table, group="when", items=["x"])
    # a column the analysis does not read is not converted
    assert len(lcstat.agreement(table, group="g", items=["x"])) == 2
    with pytest.raises(lcstat.LcstatError, match="unknown column 'nothere'"):
        lcstat.agreement(table, group="g", items=["nothere"])


def test_spss_file_with_labels_and_user_missing_gives_the_csv_numbers():
    """Reference/climate.sav (scripts/make-reference-sav.R, haven::write_sav): the community a
    labelled number, the items labelled Likert numbers with -99 as user-missing. Read through
    ReadStat it gives the CSV's numbers and group names, in Python and in the CLI."""
    import json
    import subprocess
    sav = os.path.join(ROOT, "Tests", "LCCoreTests", "Reference", "climate.sav")
    csv = pd.read_csv(CLIMATE)
    pd.testing.assert_frame_equal(agreement(sav), agreement(csv))
    data = lcstat.read(sav)
    assert data["lc1"].isna().sum() == csv["lc1"].isna().sum() and (data["lc1"].dropna() >= 1).all()   # -99 is missing
    f = "lc1 ~ session + (1 | person) + (1 | community)"
    got, want = lcstat.transfer(sav, f, progress=False), lcstat.transfer(csv, f, progress=False)
    pd.testing.assert_frame_equal(got.fixed, want.fixed)
    pd.testing.assert_frame_equal(got.blups, want.blups)          # communities by their labels
    cli = os.path.join(ROOT, "dist", "bin", "lcstat")
    out = [json.loads(subprocess.run([cli, "transfer", path, "--formula", f, "--format", "json"], capture_output=True,
                                     text=True, check=True).stdout) for path in (sav, CLIMATE)]
    assert out[0]["fixed"] == out[1]["fixed"] and out[0]["random"] == out[1]["random"]
    with pytest.raises(TypeError, match="read_options apply to CSV files"):
        lcstat.agreement(sav, group="community", items=ITEMS, read_options={"delimiter": ";"})


@pytest.mark.parametrize("name, group, item", [("climate.zsav", "community", "lc"), ("climate.dta", "community", "lc"),
                                               ("climate.por", "GROUP", "LC")])
def test_zsav_dta_and_por_files_give_the_csv_numbers(name, group, item):
    """A compressed SPSS file and a Stata file (haven, scripts/make-reference-sav.R) and an SPSS
    portable file (pyreadstat, scripts/make-reference-por.py; its names are upper case and at most
    8 characters): the CSV's numbers in Python and in the CLI."""
    import json
    import subprocess
    path = os.path.join(ROOT, "Tests", "LCCoreTests", "Reference", name)
    items = [f"{item}{k}" for k in range(1, 7)]
    got = lcstat.agreement(path, group=group, items=items, scale=(1, 5), reverse=[f"{item}4"])
    pd.testing.assert_frame_equal(got, agreement(pd.read_csv(CLIMATE)))
    cli = os.path.join(ROOT, "dist", "bin", "lcstat")
    args = ["--scale", "1:5", "--format", "json"]
    out = [json.loads(subprocess.run([cli, "agreement", p, "--group", g, "--items", ",".join(i), "--reverse", i[3]] + args,
                                     capture_output=True, text=True, check=True).stdout)
           for p, g, i in ((path, group, items), (CLIMATE, "community", ITEMS))]
    assert out[0] == out[1]


def test_results_come_back_as_arrow():
    pl = pytest.importorskip("polars")
    data = pl.read_csv(CLIMATE)
    t = lcstat.agreement(data, group="community", items=ITEMS, scale=(1, 5), reverse=["lc4"], to_arrow=True)
    assert isinstance(t, pa.Table) and b"lcstat.notes" in t.schema.metadata
    back = pl.from_arrow(t)                        # polars users stay in polars
    assert back.columns == list(agreement(pd.read_csv(CLIMATE)).columns) and back.height == 12
    e = lcstat.emergence(data, group="community", person="person", time="session", value="lc1", to_arrow=True)
    assert isinstance(e, pa.Table) and "delta" in e.column_names
    import inspect
    assert "to_arrow" in inspect.signature(lcstat.icc).parameters
