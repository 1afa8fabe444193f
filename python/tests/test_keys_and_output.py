"""Never silently wrong: keys read as written, values that cannot be read as asked are
errors naming them, and an output path that never loses or destroys (issue 12)."""
import json
import os
import signal
import subprocess
import time

import numpy as np
import pandas as pd
import pytest

import lcstat
from conftest import ROOT

CLI = os.path.join(ROOT, "dist", "bin", "lcstat")
CLIMATE = os.path.join(ROOT, "examples", "data", "climate.csv")
needs_cli = pytest.mark.skipif(not os.path.exists(CLI), reason="dist/bin/lcstat not built (scripts/build-lib)")


def agreement(df, group="g", items=("x",)):
    return lcstat.agreement(df, group=group, items=list(items), scale=(1, 5))


# --- keys and values ---------------------------------------------------------------

def test_integer_ids_beyond_2_to_the_53_stay_distinct(tmp_path):
    big = 2 ** 53
    df = pd.DataFrame({"g": [big + 1, big + 1, big, big], "x": [1, 2, 3, 3]})
    assert sorted(agreement(df)["group"].tolist()) == [big, big + 1]
    path = tmp_path / "big.csv"
    df.to_csv(path, index=False)
    # int64 end to end: read as 64-bit integers, ordered by value, given back as int64
    for result in (agreement(str(path)), agreement(df)):
        assert result["group"].dtype == np.int64 and result["group"].tolist() == [big, big + 1]
    mixed = pd.DataFrame({"g": [10 ** 17 + 2, 10 ** 17 + 2, 9, 9, 10 ** 17 + 10, 10 ** 17 + 10], "x": [1, 2, 3, 3, 4, 4]})
    mixed.to_csv(path, index=False)
    assert agreement(str(path))["group"].tolist() == [9, 10 ** 17 + 2, 10 ** 17 + 10]     # by value, not as text
    with pytest.raises(lcstat.LcstatError, match="cannot hold exactly"):
        lcstat.agreement(str(path), group="x", items=["g"])        # as a number it would change
    # 40 persons with ids 10**17 + i are 40 groups of a mixed model, not 3
    rng = np.random.default_rng(3)
    persons = np.repeat(10 ** 17 + np.arange(40), 4)
    m = pd.DataFrame({"person": persons, "t": np.tile(np.arange(4), 40), "y": rng.normal(size=160)})
    assert lcstat.transfer(m, "y ~ t + (1 | person)").fit["groups"] == {"person": 40}


def test_several_group_columns_are_a_tuple_key_and_several_columns(tmp_path):
    df = pd.DataFrame({"a": ["x_y", "x_y", "x", "x"], "b": ["z", "z", "y_z", "y_z"], "s": [2, 2, 10, 10],
                       "x": [1, 2, 3, 3]})
    t = lcstat.agreement(df, group=["a", "b"], items=["x"], scale=(1, 5))
    assert list(t.columns[:3]) == ["a", "b", "n"] and len(t) == 2          # joined, both would be 'x_y_z'
    assert t[["a", "b"]].values.tolist() == [["x", "y_z"], ["x_y", "z"]] and t["n"].tolist() == [2, 2]
    typed = lcstat.agreement(df, group=["a", "s"], items=["x"], scale=(1, 5))
    assert typed["s"].dtype == np.int64 and typed["s"].tolist() == [10, 2]
    path = tmp_path / "tuple.csv"
    df.to_csv(path, index=False)
    assert lcstat.agreement(str(path), group=["a", "b"], items=["x"], scale=(1, 5))[["a", "b"]].equals(t[["a", "b"]])
    over = lcstat.consensus_over_time(df, group=["a", "b"], wave="s", items=["x"], scale=(1, 5))
    assert list(over.columns[:4]) == ["a", "b", "wave", "n"] and over["wave"].dtype == np.int64
    comp = lcstat.composition(df, group=["a", "b"], columns=["x"])
    assert list(comp.columns[:3]) == ["a", "b", "n"]


def test_keys_come_back_as_they_went_in(tmp_path):
    """Text exactly, integers as their integer type, booleans as bool, dates as dates,
    a categorical with its categories and their order; numeric waves and times as numbers."""
    df = pd.DataFrame({"g": ["007", "007", "7", "7"], "x": [1, 2, 3, 3]})
    assert agreement(df)["group"].tolist() == ["007", "7"]
    path = tmp_path / "zeros.csv"
    df.to_csv(path, index=False)
    assert agreement(str(path))["group"].tolist() == ["007", "7"]         # a file's '007' is an id too
    cat = pd.DataFrame({"g": pd.Categorical(["low", "low", "high", "high"], categories=["low", "high"], ordered=True),
                        "w": pd.to_datetime(["2025-03-02", "2025-01-15"] * 2), "x": [1, 2, 3, 4]})
    t = agreement(cat)
    assert t["group"].tolist() == ["low", "high"] and t["group"].cat.ordered and list(t["group"].cat.categories) == ["low", "high"]
    over = lcstat.consensus_over_time(cat, group="g", wave="w", items=["x"], scale=(1, 5))
    assert pd.api.types.is_datetime64_any_dtype(over["wave"])
    assert over["wave"].tolist() == list(pd.to_datetime(["2025-01-15", "2025-03-02"] * 2))
    small = pd.DataFrame({"g": np.array([3, 3, 1, 1], dtype=np.int16), "x": [1, 2, 3, 3]})
    assert agreement(small)["group"].dtype == np.int16
    floats = pd.DataFrame({"g": [1.5, 1.5, 2.0, 2.0], "x": [1, 2, 3, 3]})
    assert agreement(floats)["group"].tolist() == [1.5, 2.0]


def test_flags_are_bool_and_counts_int64(tmp_path):
    rng = np.random.default_rng(5)
    n = 12 * 3 * 4      # 12 groups of 3 persons, 4 occasions each
    df = pd.DataFrame({"g": np.repeat(np.arange(12), 12), "p": np.repeat(np.arange(36), 4), "t": np.tile(np.arange(4), 36),
                       "y": rng.normal(size=n), "x": rng.integers(1, 6, size=n)})
    e = lcstat.emergence(df, group="g", person="p", time="t", value="y")
    assert e["converged"].dtype == bool and e["singular"].dtype == bool
    assert e["time"].dtype == np.int64 and e["df"].dtype == np.int64
    fit = lcstat.transfer(df, "y ~ t + (1 | g)")
    assert type(fit.fit["converged"]) is bool and type(fit.fit["singular"]) is bool and type(fit.fit["nobs"]) is int
    icc = lcstat.icc(df, group="g", items=["x"])
    assert icc["df1"].dtype == np.int64 and icc["df2"].dtype == np.int64 and icc["df1"].tolist() == [11, 11]
    path = tmp_path / "flags.csv"
    df.to_csv(path, index=False)
    out = subprocess.run([CLI, "emergence", str(path), "--group", "g", "--person", "p", "--time", "t", "--value", "y",
                          "--format", "json"], capture_output=True, text=True) if os.path.exists(CLI) else None
    if out is not None:
        row = json.loads(out.stdout)["rows"][0]
        assert isinstance(row["converged"], bool) and row["time"] == 0 and row["df"] == 1


def test_scores_carry_the_rows_id_columns(tmp_path):
    df = pd.DataFrame({"person": ["p01", "p02", "p03"], "session": pd.to_datetime(["2025-01-01"] * 3),
                       "team": [10 ** 17 + 1, 10 ** 17 + 1, 2], "x": [1.0, 2.0, 4.0], "y": [3.0, np.nan, 4.0]})
    s = lcstat.scores(df, items=["x", "y"], group="team", ids=["person", "session"])
    assert list(s.columns) == ["row", "group", "person", "session", "score", "n_answered"]
    assert s["person"].tolist() == ["p01", "p02", "p03"] and s["group"].tolist() == [10 ** 17 + 1, 10 ** 17 + 1, 2]
    assert pd.api.types.is_datetime64_any_dtype(s["session"]) and s["score"].tolist() == [2.0, 2.0, 4.0]
    path = tmp_path / "scores.csv"
    df.to_csv(path, index=False)
    f = lcstat.scores(str(path), items=["x", "y"], ids=["person", "team"])
    assert f["team"].tolist() == [10 ** 17 + 1, 10 ** 17 + 1, 2] and f["person"].tolist() == ["p01", "p02", "p03"]


@needs_cli
def test_cli_keys_tuples_and_ids(tmp_path):
    path = tmp_path / "k.csv"
    path.write_text("a,b,id,q\nx_y,z,9007199254740993,1\nx_y,z,9007199254740993,2\nx,y_z,9007199254740992,3\nx,y_z,9007199254740992,3\n")
    rows = json.loads(subprocess.run([CLI, "agreement", str(path), "--group", "a,b", "--items", "q", "--scale", "1:5",
                                      "--format", "json"], capture_output=True, text=True, check=True).stdout)["rows"]
    assert [(r["a"], r["b"], r["n"]) for r in rows] == [("x", "y_z", 2), ("x_y", "z", 2)]
    rows = json.loads(subprocess.run([CLI, "agreement", str(path), "--group", "id", "--items", "q", "--format", "json"],
                                     capture_output=True, text=True, check=True).stdout)["rows"]
    assert [r["group"] for r in rows] == [9007199254740992, 9007199254740993]     # JSON integers, exact
    csv = subprocess.run([CLI, "scores", str(path), "--items", "q", "--id", "id,a", "--format", "csv"],
                         capture_output=True, text=True, check=True).stdout.splitlines()
    assert csv[0] == "row,id,a,score,n_answered" and csv[1] == "1,9007199254740993,x_y,1,1"


def test_labels_that_print_the_same_are_an_error():
    df = pd.DataFrame({"g": [1, "1", 2, 2], "x": [1, 2, 3, 3]})
    with pytest.raises(lcstat.LcstatError, match="print the same"):
        agreement(df)


def test_na_values_as_one_string_is_one_code(tmp_path):
    path = tmp_path / "na.csv"
    path.write_text("g,x\na,9\na,-99\nb,9\nb,8\n")
    t = lcstat.agreement(str(path), group="g", items=["x"], scale=(1, 10), read_options={"na_values": "-99"})
    assert t["n"].tolist() == [1, 2]


def test_fully_quoted_numbers_are_numbers(tmp_path):
    path = tmp_path / "quoted.csv"
    path.write_text('"g","x"\n"a","1"\n"a","2"\n"b","3"\n"b","3"\n')
    assert lcstat.agreement(str(path), group="g", items=["x"], scale=(1, 5))["mean"].tolist() == [1.5, 3.0]


def test_boolean_group_column_works_everywhere():
    df = pd.DataFrame({"g": [True, True, False, False], "x": [1, 2, 3, 3]})
    assert agreement(df)["group"].tolist() == [False, True] and agreement(df)["group"].dtype == bool
    assert len(lcstat.icc(df, group="g", items=["x"])) == 2


def test_object_columns_of_numbers_and_integer_categoricals_are_numbers():
    df = pd.DataFrame({"g": ["a", "a", "b", "b"], "x": pd.Series([1, 2, 3, 3], dtype=object)})
    assert agreement(df)["mean"].tolist() == [1.5, 3.0]
    df["x"] = pd.Categorical([1, 2, 3, 3])
    assert agreement(df)["mean"].tolist() == [1.5, 3.0]


@pytest.mark.parametrize("frame, words", [
    (pd.DataFrame([[1, 2], [3, 4]], columns=["a", "a"]), "duplicate column"),
    (pd.DataFrame([[1, 2], [3, 4]], columns=[0, 1]), "must be strings"),
    (pd.DataFrame({"g": ["a", "b"], "x": [1 + 1j, 2]}), "complex"),
])
def test_unreadable_frames_are_errors(frame, words):
    with pytest.raises(lcstat.LcstatError, match=words):
        lcstat.agreement(frame, group=str(frame.columns[0]), items=[str(frame.columns[-1])], scale=(1, 5))


def test_non_ascii_column_names_from_a_frame():
    df = pd.DataFrame({"gróup": ["a", "a", "b", "b"], "itém": [1, 2, 3, 3]})
    assert agreement(df, group="gróup", items=["itém"])["n"].tolist() == [2, 2]


# --- the command line ----------------------------------------------------------------

def run(*args, **kwargs):
    return subprocess.run([CLI, *args], capture_output=True, text=True, **kwargs)


AGREE = ["agreement", CLIMATE, "--group", "community", "--items", "lc1,lc2", "--scale", "1:5"]


@needs_cli
def test_missing_codes_and_negative_numbers_as_written():
    assert run(*AGREE, "--na", "-99,999").returncode == 0
    p = run("null", "--group-size", "-5", "--items", "3", "--scale", "1:5")
    assert p.returncode == 1 and "-5" in p.stderr and "Missing value" not in p.stderr
    p = run("null", "--group-size", "5", "--items", "3", "--scale", "1:5", "--seed", "-3")
    assert p.returncode != 0 and "-3" in p.stderr and "Missing value" not in p.stderr


@needs_cli
def test_a_failed_write_to_standard_output_is_an_error():
    with open("/dev/full", "w") as full:
        p = subprocess.run([CLI, *AGREE], stdout=full, stderr=subprocess.PIPE, text=True)
    assert p.returncode == 2 and "cannot write standard output" in p.stderr


@needs_cli
def test_output_never_replaces_what_is_not_a_regular_file(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    (tmp_path / "dir").mkdir()
    target = tmp_path / "target.csv"
    target.write_text("keep")
    (tmp_path / "link.csv").symlink_to(target)
    for path, kind in [(fifo, "FIFO"), (tmp_path / "dir", "directory"), (tmp_path / "link.csv", "symbolic link"),
                       ("/dev/null", "device")]:
        p = run(*AGREE, "--output", str(path))
        assert p.returncode == 1 and kind in p.stderr, (path, p.stderr)
    assert target.read_text() == "keep" and os.path.islink(tmp_path / "link.csv")


@needs_cli
def test_long_names_and_formats_by_extension(tmp_path):
    long = tmp_path / ("a" * 250 + ".csv")
    assert run(*AGREE, "-o", str(long)).returncode == 0
    assert pd.read_csv(long).columns[0] == "group"
    js = tmp_path / "out.json"
    assert run(*AGREE, "-o", str(js)).returncode == 0
    assert json.loads(js.read_text())["columns"][0] == "group"
    assert not [f for f in os.listdir(tmp_path) if ".lcstat-" in f]


@needs_cli
def test_aggregation_fits_a_100_column_terminal():
    p = run("aggregation", CLIMATE, "--group", "community", "--items", "lc1,lc2,lc3,lc4,lc5,lc6", "--reverse", "lc4",
            "--scale", "1:5")
    assert p.returncode == 0 and max(len(line) for line in p.stdout.splitlines()) <= 100


@needs_cli
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP])
def test_a_signal_during_a_write_removes_the_temporary_file(tmp_path, sig):
    # a large result (scores of 600,000 rows) takes a while to write
    big = tmp_path / "big.csv"
    rows = 600_000
    pd.DataFrame({"g": np.arange(rows) % 1000, "x": np.arange(rows) % 5 + 1}).to_csv(big, index=False)
    out = tmp_path / "out.csv"
    proc = subprocess.Popen([CLI, "scores", str(big), "--group", "g", "--items", "x", "--format", "csv", "-o", str(out)],
                            stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while time.time() < deadline and not [f for f in os.listdir(tmp_path) if ".lcstat-" in f]:
        if proc.poll() is not None:
            pytest.skip("the write finished before a signal could be sent")
        time.sleep(0.002)
    proc.send_signal(sig)
    proc.wait(timeout=60)
    if proc.returncode == 0:
        pytest.skip("the write finished before the signal arrived")
    assert proc.returncode == -sig
    assert not [f for f in os.listdir(tmp_path) if ".lcstat-" in f] and not out.exists()
