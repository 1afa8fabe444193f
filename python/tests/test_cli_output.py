"""`--output FILE`: the result is written whole or not at all, and never over the input."""
import os
import shutil
import signal
import subprocess
import time

from conftest import ROOT, REF

CLI = os.path.join(ROOT, "dist", "bin", "lcstat")
AGREEMENT = ["agreement", os.path.join(REF, "bhr2000.csv"), "--group", "GRP", "--items", "HRS", "--scale", "1:24",
             "--format", "csv"]


def run(*args):
    return subprocess.run([CLI, *args], capture_output=True, text=True, timeout=120)


def test_output_file_equals_standard_output(tmp_path):
    target = tmp_path / "result.csv"
    printed = run(*AGREEMENT)
    written = run(*AGREEMENT, "--output", str(target))
    assert printed.returncode == written.returncode == 0
    assert written.stdout == "" and target.read_text() == printed.stdout
    assert os.listdir(tmp_path) == ["result.csv"]          # no temporary left behind


def test_a_failed_run_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "result.csv"
    target.write_text("yesterday's result\n")
    p = run("agreement", os.path.join(REF, "bhr2000.csv"), "--group", "GRP", "--items", "NOPE", "--output", str(target))
    assert p.returncode == 6 and "NOPE" in p.stderr
    assert target.read_text() == "yesterday's result\n"
    assert os.listdir(tmp_path) == ["result.csv"]


def test_the_input_is_never_the_output(tmp_path):
    data = tmp_path / "data.csv"
    shutil.copy(os.path.join(REF, "bhr2000.csv"), data)
    before = data.read_bytes()
    for args in (AGREEMENT[:1] + [str(data)] + AGREEMENT[2:], ["transfer", str(data), "--formula", "HRS ~ 1 + (1 | GRP)"]):
        p = run(*args, "--output", str(data))
        assert p.returncode == 1 and "input" in p.stderr
    assert data.read_bytes() == before


def test_an_unwritable_place_is_an_error(tmp_path):
    p = run(*AGREEMENT, "--output", str(tmp_path / "no" / "such" / "dir.csv"))
    assert p.returncode == 2 and "cannot create" in p.stderr


def test_a_killed_run_does_not_leave_a_partial_result(tmp_path):
    """SIGKILL in the middle of a long run: the target is not created (at most a
    hidden temporary remains, which SIGKILL gives no chance to remove)."""
    target = tmp_path / "null.csv"
    p = subprocess.Popen([CLI, "null", "--group-size", "40", "--items", "8", "--scale", "1:5", "--method", "monte_carlo",
                          "--replications", "50000000", "--format", "csv", "--output", str(target)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(0.5)
    p.send_signal(signal.SIGKILL)
    p.wait(timeout=30)
    assert not target.exists()
    assert all(name.startswith(".null.csv.lcstat-") for name in os.listdir(tmp_path))
