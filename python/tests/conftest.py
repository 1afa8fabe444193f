import json
import os

import pandas as pd
import pytest

REF = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "LCCoreTests", "Reference")
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def load(name):
    df = pd.read_csv(os.path.join(REF, f"{name}.csv"))
    with open(os.path.join(REF, f"{name}.json")) as f:
        return df, json.load(f)


@pytest.fixture(scope="session")
def lq2002():
    return load("lq2002")


@pytest.fixture(scope="session")
def cohesion():
    df, ref = load("cohesion")
    return df, ref


def close(got, want, tol=1e-9):
    """Relative agreement to tol; None (R's NA) must be NaN."""
    import math
    assert len(got) == len(want)
    for i, (g, w) in enumerate(zip(got, want)):
        if w is None:
            assert math.isnan(g), f"row {i}: {g} vs NA"
        else:
            assert abs(g - w) <= tol * max(abs(w), 1e-12), f"row {i}: {g} vs R {w}"
