#!/usr/bin/env python3
"""lcstat's side of the shared benchmark harness (../shared/bench/run.sh, EXTRA_HARNESS).

    python3 bench/harness.py --list
    python3 bench/harness.py --task TASK --size S --rep N --csv FILE

Every task times a whole process, as a user would run it: the CLI reading the
CSV and printing CSV, or a Python process that imports lcstat and pandas,
reads the CSV and runs the analysis. One JSON line, the schema of peers.py.
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLI = os.path.join(ROOT, "dist", "bin", "lcstat")
ITEMS = ",".join(f"q{i}" for i in range(1, 9))
PY = """
import sys, pandas as pd, lcstat
df = pd.read_csv(sys.argv[1])
items = [f"q{{i}}" for i in range(1, 9)]
r = lcstat.{call}
print(len(r))
"""
PY_PATH = """
import sys, lcstat
items = [f"q{{i}}" for i in range(1, 9)]
r = lcstat.{call}
print(len(r))
"""

TASKS = {
    "agreement@lcstat-cli": ("W1", [CLI, "agreement", "{csv}", "--group", "group", "--items", ITEMS, "--scale", "1:5", "--format", "csv"]),
    "agreement.listwise@lcstat-cli": ("W1", [CLI, "agreement", "{csv}", "--group", "group", "--items", ITEMS, "--scale", "1:5",
                                             "--missing", "listwise", "--format", "csv"]),
    "icc@lcstat-cli": ("W1", [CLI, "icc", "{csv}", "--group", "group", "--items", ITEMS, "--format", "csv"]),
    "agreement@lcstat-python": ("W1", [sys.executable, "-c", PY.format(call="agreement(df, group='group', items=items, scale=(1, 5))"), "{csv}"]),
    "icc@lcstat-python": ("W1", [sys.executable, "-c", PY.format(call="icc(df, group='group', items=items)"), "{csv}"]),
    # the three-level transfer model of issue 3 (read, within/between, fit, Satterthwaite df)
    "lmm.3l@lcstat-cli": ("W3", [CLI, "transfer", "{csv}", "--format", "json", "--formula",
                                 "sharing ~ session + within(support, person) + between(support, person)"
                                 " + within(motivation, person) + between(motivation, person) + selfeff"
                                 " + (1 + session | person) + (1 | community)"]),
    # the two-level version, beside statsmodels' MixedLM (lmm.2l@statsmodels)
    "lmm.2l@lcstat-cli": ("W3", [CLI, "transfer", "{csv}", "--format", "json", "--formula",
                                 "sharing ~ session + within(support, person) + between(support, person)"
                                 " + within(motivation, person) + between(motivation, person) + selfeff"
                                 " + (1 + session | person)"]),
    # the three-level model with residual SD sigma*exp(delta*session), beside nlme's varExp (lmm.3l.varexp)
    "lmm.3l.varexp@lcstat-cli": ("W3", [CLI, "transfer", "{csv}", "--format", "json", "--variance", "exp(session)", "--formula",
                                        "sharing ~ session + within(support, person) + between(support, person)"
                                        " + within(motivation, person) + between(motivation, person) + selfeff"
                                        " + (1 + session | person) + (1 | community)"]),
    # the cross-classified model of issue 14 (persons in communities crossed with organisations), beside lmm.w4.crossed@lme4
    "lmm.w4.crossed@lcstat-cli": ("W4", [CLI, "transfer", "{csv}", "--format", "json", "--formula",
                                         "sharing ~ session + within(support, person) + between(support, person) + lgo"
                                         " + (1 + session | person) + (1 | community) + (1 | organisation)"]),
    # the binary transfer outcome (issue 17): a binomial GLMM by the Laplace approximation, beside glmm.w4@lme4
    "glmm.w4@lcstat-cli": ("W4", [CLI, "transfer", "{csv}", "--format", "json", "--family", "binomial", "--formula",
                                  "applied ~ session + within(support, person) + between(support, person) + lgo"
                                  " + (1 | person) + (1 | organisation)"]),
    # serially correlated sessions (issue 14): AR(1) within persons, beside lmm.w4.ar1@nlme
    "lmm.w4.ar1@lcstat-cli": ("W4", [CLI, "transfer", "{csv}", "--format", "json", "--formula",
                                     "sharing ~ session + within(support, person) + between(support, person) + lgo"
                                     " + (1 + session | person)", "--correlation", "ar1(session | person)"]),
    # rwg.j.sim (SIM workload): Monte Carlo as R does it, every index at once, whole process
    "rwg.j.sim@lcstat-cli": ("SIM", [CLI, "null", "--group-size", "{gsize}", "--items", "{nitems}", "--scale", "1:{nresp}",
                                     "--method", "monte_carlo", "--replications", "{nrep}", "--seed", "{seed}", "--format", "csv"]),
    "rwg.j.sim@lcstat-python": ("SIM", [sys.executable, "-c",
                                        "import sys, lcstat; g, j, a, n, s = map(int, sys.argv[1:6]); "
                                        "print(lcstat.null_distribution(g, items=j, scale=(1, a), method='monte_carlo', "
                                        "replications=n, seed=s))", "{gsize}", "{nitems}", "{nresp}", "{nrep}", "{seed}"]),
    # the library reads the file itself: no pandas.read_csv
    "agreement.path@lcstat-python": ("W1", [sys.executable, "-c", PY_PATH.format(
        call="agreement(sys.argv[1], group='group', items=items, scale=(1, 5))"), "{csv}"]),
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--task")
    ap.add_argument("--size", default="")
    ap.add_argument("--rep", default="1")
    ap.add_argument("--csv")
    # the SIM workload's parameters, with peers.py's defaults
    ap.add_argument("--nrep", type=int, default=10000)
    ap.add_argument("--gsize", type=int, default=10)
    ap.add_argument("--nitems", type=int, default=8)
    ap.add_argument("--nresp", type=int, default=5)
    ap.add_argument("--seed", type=int, default=20240601)
    a = ap.parse_args()
    if a.list:
        for k, (w, _) in TASKS.items():
            print(k, w)
        return
    workload, cmd = TASKS[a.task]
    fields = {"csv": a.csv or "", "nrep": a.nrep, "gsize": a.gsize, "nitems": a.nitems, "nresp": a.nresp,
              "seed": a.seed + int(a.rep)}
    # fill the placeholders of arguments; a Python program after -c is left as it is
    cmd = [c if i > 0 and cmd[i - 1] == "-c" else c.format(**fields) for i, c in enumerate(cmd)]
    t0 = time.perf_counter()
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    seconds = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    rec = {"tool": a.task.split("@")[1], "task": a.task.split("@")[0], "size": a.size, "workload": workload,
           "rep": int(a.rep), "harness": "bench/harness.py", "status": "ok" if p.returncode == 0 else "error",
           "seconds": seconds, "rows": None, "peak_rss_mb": peak, "whole_process": True,
           "check": {"output_lines": p.stdout.count(b"\n")}}
    if p.returncode != 0:
        rec["error"] = p.stderr.decode(errors="replace")[-300:]
    print(json.dumps(rec))


if __name__ == "__main__":
    main()
