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
    assert sorted(agreement(str(path))["group"].tolist()) == [big, big + 1]
    # 40 persons with ids 10**17 + i are 40 groups of a mixed model, not 3
    rng = np.random.default_rng(3)
    persons = np.repeat(10 ** 17 + np.arange(40), 4)
    m = pd.DataFrame({"person": persons, "t": np.tile(np.arange(4), 40), "y": rng.normal(size=160)})
    assert lcstat.transfer(m, "y ~ t + (1 | person)").fit["groups"] == {"person": 40}


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
    assert agreement(df)["group"].tolist() == ["False", "True"]
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
