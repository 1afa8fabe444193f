"""Stoppable calls (issue 13): Ctrl-C stops a long call within half a second and leaves
the interpreter usable; the CLI exits on SIGINT without leaving a temporary file."""
import os
import select
import signal
import subprocess
import sys
import time

import pytest

from conftest import ROOT

CLI = os.path.join(ROOT, "dist", "bin", "lcstat")

CHILD = """
import sys, time, lcstat
print("ready", flush=True)
try:
    lcstat.null_distribution(10, items=1, method="monte_carlo", replications=10**8, progress=False)
    print("finished", flush=True)
except KeyboardInterrupt:
    print("interrupted", flush=True)
t = lcstat.agreement({"g": [1, 1, 2, 2], "x": [1, 2, 3, 3]}, group="g", items=["x"], scale=(1, 5))
print("next call", t["n"].tolist(), flush=True)
"""


def read_line(stream, timeout):
    ready, _, _ = select.select([stream], [], [], timeout)
    return stream.readline().strip() if ready else None


def test_ctrl_c_stops_a_long_call_within_half_a_second():
    p = subprocess.Popen([sys.executable, "-c", CHILD], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert read_line(p.stdout, 60) == "ready"
        time.sleep(1.0)                    # the 10^8-replication null is running (it takes about a minute)
        sent = time.monotonic()
        p.send_signal(signal.SIGINT)
        line = read_line(p.stdout, 5)
        waited = time.monotonic() - sent
        assert line == "interrupted", (line, p.stderr.read() if p.poll() is not None else "")
        assert waited < 0.5, f"KeyboardInterrupt came {waited:.2f} s after SIGINT"
        assert read_line(p.stdout, 60) == "next call [2, 2]"     # the interpreter still works
        assert p.wait(timeout=30) == 0
    finally:
        p.kill()


def test_a_progress_callback_that_raises_cancels_the_call():
    import lcstat
    from lcstat import _lcstat

    calls = []

    def stop(done):
        calls.append(done)
        raise RuntimeError("enough")

    spec = {"scale": (1.0, 5.0), "null": "uniform",
            "group_size": 10, "n_items": 1, "replications": 100_000_000, "method": "monte_carlo", "seed": 1}
    started = time.monotonic()
    with pytest.raises(RuntimeError, match="enough"):
        _lcstat.run("null_distribution", None, spec, stop)
    assert len(calls) == 1 and 0 <= calls[0] <= 1 and time.monotonic() - started < 5
    assert len(lcstat.null_distribution(5, items=1, replications=1000, method="monte_carlo")) == 5


@pytest.mark.skipif(not os.path.exists(CLI), reason="dist/bin/lcstat not built (scripts/build-lib)")
def test_the_cli_stops_on_sigint_and_leaves_no_temporary_file(tmp_path):
    out = tmp_path / "null.csv"
    p = subprocess.Popen([CLI, "null", "--group-size=10", "--items=1", "--scale=1:5", "--method=monte_carlo", "--replications=100000000",
                          "-o", str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(1.0)
    sent = time.monotonic()
    p.send_signal(signal.SIGINT)
    p.wait(timeout=10)
    assert time.monotonic() - sent < 0.5
    assert p.returncode == -signal.SIGINT           # killed by the signal, as the shell reports it (status 130)
    assert os.listdir(tmp_path) == []


SMALL_STACK = """
import threading, lcstat, numpy as np, pandas as pd
rng = np.random.default_rng(1)
df = pd.DataFrame({"y": rng.normal(size=60), "x": rng.normal(size=60), "g": np.repeat(np.arange(12), 5)})
deep = "y ~ " + "(" * 100 + "x" + ")" * 100 + " + (1 | g)"
threading.stack_size(64 * 1024)
out = []
def work():
    out.append(lcstat.transfer(df, deep, progress=False).fixed["estimate"].round(8).tolist())
    try:
        lcstat.transfer(df, "y ~ " + "(" * 101 + "x" + ")" * 101 + " + (1 | g)")
    except lcstat.LcstatError as e:
        out.append(e.code)
t = threading.Thread(target=work); t.start(); t.join()
flat = lcstat.transfer(df, "y ~ x + (1 | g)", progress=False).fixed["estimate"].round(8).tolist()
print(out[0] == flat, out[1])
"""


def test_a_call_from_a_64_kib_thread_survives_the_deepest_formula():
    """The library does its work on a thread of its own: a host thread with a 64 KiB stack
    fits the most deeply nested formula allowed (100 levels), and a deeper one is an error."""
    p = subprocess.run([sys.executable, "-c", SMALL_STACK], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr[-800:]
    assert p.stdout.split() == ["True", "3"]


def test_a_request_beyond_the_memory_budget_is_a_limit_error():
    import numpy as np
    import pandas as pd
    import lcstat
    df = pd.DataFrame({"g": np.repeat(np.arange(50), 4), "x": np.tile([1, 2, 3, 4], 50)})
    default = lcstat.set_memory_budget()
    try:
        assert lcstat.set_memory_budget(1_000_000) == 1_000_000
        with pytest.raises(lcstat.LcstatError, match="memory budget") as e:
            lcstat.rgr(df, group="g", items=["x"], pseudo_groups=10_000_000)
        assert e.value.code == 8 and "MB" in str(e.value)
    finally:
        assert lcstat.set_memory_budget() == default
    assert len(lcstat.rgr(df, group="g", items=["x"], pseudo_groups=1000)) == 1


UNDER_ULIMIT = """
import resource, numpy as np, pandas as pd, lcstat
df = pd.DataFrame({"g": np.repeat(np.arange(10), 20), "x": np.tile([1, 2, 3, 4], 50)})
resource.setrlimit(resource.RLIMIT_AS, (3 << 29, 3 << 29))     # ulimit -v: 1.5 GiB of address space
try:
    lcstat.rgr(df, group="g", items=["x"], pseudo_groups=10**8)   # 10^7 replicates of 10 groups: 1.6 GB
    print("no error")
except lcstat.LcstatError as e:
    print(e.code, "memory budget" in str(e))
print(len(lcstat.rgr(df, group="g", items=["x"], pseudo_groups=1000)))
"""


def test_under_ulimit_v_a_huge_request_is_refused_and_the_process_lives():
    p = subprocess.run([sys.executable, "-c", UNDER_ULIMIT], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr[-800:]
    assert p.stdout.split() == ["8", "True", "1"]


def test_reading_a_file_beyond_the_memory_budget_is_a_limit_error(tmp_path):
    """A CSV file whose columns would not fit the budget stops while being read (code 8),
    and the next read under the default budget works."""
    import lcstat
    path = tmp_path / "big.csv"
    with open(path, "w") as f:
        f.write("g,x\n")
        f.writelines(f"{i % 50},{i % 4 + 1}\n" for i in range(70_000))
    default = lcstat.set_memory_budget()
    try:
        lcstat.set_memory_budget(1_000_000)
        with pytest.raises(lcstat.LcstatError, match="reading") as e:
            lcstat.agreement(str(path), group="g", items=["x"], scale=(1, 4))
        assert e.value.code == 8
    finally:
        lcstat.set_memory_budget()
    assert len(lcstat.agreement(str(path), group="g", items=["x"], scale=(1, 4))) == 50


def test_a_crossed_design_too_large_for_the_budget_is_a_limit_error():
    """Three crossed factors need a dense system over the levels of all but the largest:
    beyond the memory budget that is a limit error naming its size, not an abort."""
    import numpy as np
    import pandas as pd
    import lcstat
    rng = np.random.default_rng(3)
    n = 6000
    df = pd.DataFrame({"y": rng.normal(size=n), "a": rng.integers(0, 3000, n), "b": rng.integers(0, 2000, n),
                       "c": rng.integers(0, 5, n)})
    default = lcstat.set_memory_budget()
    try:
        lcstat.set_memory_budget(10_000_000)
        with pytest.raises(lcstat.LcstatError, match="crossed factors") as e:
            lcstat.transfer(df, "y ~ 1 + (1 | a) + (1 | b) + (1 | c)")
        assert e.value.code == 8
    finally:
        lcstat.set_memory_budget()
