"""The library from many threads at once, and after fork: the same numbers, bit for bit."""
import multiprocessing
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import lcstat
from conftest import REF

LQ = os.path.join(REF, "lq2002.csv")
LEAD = [f"LEAD{i:02d}" for i in range(1, 12)]
UNIV = os.path.join(REF, "univbct.csv")


def analyses():
    """Several analyses of the library, each returning a DataFrame."""
    return [
        lambda: lcstat.agreement(LQ, group="COMPID", items=LEAD, scale=(1, 5)),
        lambda: lcstat.icc(LQ, group="COMPID", items=LEAD),
        lambda: lcstat.null_distribution(10, items=4, scale=(1, 5), method="monte_carlo", replications=20_000, seed=7),
        lambda: lcstat.rgr(LQ, group="COMPID", items=LEAD, scale=(1, 5), pseudo_groups=200, seed=3),
        lambda: lcstat.transfer(UNIV, "JSAT ~ TIME + (1 + TIME | SUBNUM)").fixed,
    ]


def test_eight_threads_give_the_serial_results_bit_for_bit():
    serial = [f() for f in analyses()]
    jobs = [(i, f) for i, f in enumerate(analyses()) for _ in range(8)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda job: (job[0], job[1]()), jobs))
    for i, frame in results:
        assert frame.equals(serial[i]), f"analysis {i} differs when run in 8 threads"


def test_the_gil_is_released_while_the_library_computes():
    """A Python thread keeps running while another thread is inside the library."""
    ticks, stop = [0], threading.Event()

    def count():
        while not stop.is_set():
            ticks[0] += 1

    counter = threading.Thread(target=count)
    counter.start()
    time.sleep(0.05)
    before = ticks[0]
    t0 = time.perf_counter()
    lcstat.null_distribution(40, items=8, scale=(1, 5), method="monte_carlo", replications=50_000, seed=1)
    seconds = time.perf_counter() - t0
    during = ticks[0] - before
    stop.set()
    counter.join()
    # with the GIL held the counter would be frozen for the whole call
    assert seconds > 0.02 and during > 10_000, (seconds, during)


def _agreement_table(_):
    return lcstat.agreement(LQ, group="COMPID", items=LEAD, scale=(1, 5)).to_dict("list")


def test_forked_children_compute_what_the_parent_computes():
    """Python's multiprocessing forks on Linux: the library holds no thread pool or
    lock across calls, so children of a parent that has used it work normally."""
    parent = _agreement_table(None)
    lcstat.null_distribution(10, items=4, scale=(1, 5), method="monte_carlo", replications=5_000, seed=1)
    with multiprocessing.get_context("fork").Pool(2) as pool:
        children = pool.map(_agreement_table, range(4))
    for child in children:
        assert child == parent
