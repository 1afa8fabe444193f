"""Issue 5's bad-input catalogue (Tests/BadInputs/catalogue.json): every case
through the C ABI, the CLI and Python, each giving the expected status code and
a message with the expected words, or the expected defined answer; and after
every case this Python process is alive and the library still computes the
same answer on valid data."""
import json
import math
import os

import pytest

import lcstat
from catalogue_frontends import CLI, LIB, Outcome, run_c, run_calls, run_cli, run_python
from conftest import ROOT

HERE = os.path.join(ROOT, "Tests", "BadInputs")
with open(os.path.join(HERE, "catalogue.json")) as f:
    CASES = json.load(f)["cases"]
VALID = os.path.join(HERE, "files", "valid.csv")


def generate(recipe: dict, folder) -> str:
    """Writes a generated input (too large to keep in the repository) once per session."""
    path = folder / f"{recipe['generate']}-{recipe.get('rows', recipe.get('bytes'))}.csv"
    if path.exists():
        return str(path)
    with open(path, "w") as f:
        kind = recipe["generate"]
        if kind == "long_line":
            f.write("g,a,b\n" + "x" * recipe["bytes"] + ",4,5\nx,4,5\n")
        elif kind == "long_id":
            f.write("g,a,b\n" + "i" * recipe["bytes"] + ",4,5\nx,4,5\n")
        elif kind == "distinct_labels":
            f.write("g,a\n" + "".join(f"L{i},{i % 5 + 1}\n" for i in range(recipe["rows"])))
        elif kind == "many_levels":
            f.write("y,f,person\n" + "".join(f"{i % 7},L{i},p{i % 5}\n" for i in range(recipe["rows"])))
        else:
            raise ValueError(kind)
    return str(path)


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    return tmp_path_factory.mktemp("generated")


def resolve(case, generated):
    source = case["input"]
    if "file" in source:
        return os.path.join(HERE, "files", source["file"])
    if "generate" in source:
        return generate(source, generated)
    return source.get("path")


def formula(run):
    """A formula given as text, or as a recipe (parentheses nested n deep)."""
    f = run.get("formula")
    if isinstance(f, dict):
        run = dict(run, formula=f["template"].format("(" * f["nest"] + f["around"] + ")" * f["nest"]))
    return run


def matches(got, want) -> bool:
    if want is None:
        return got is None or (isinstance(got, float) and math.isnan(got))
    if want == "*":
        return isinstance(got, (int, float)) and math.isfinite(got)
    if isinstance(want, int) and isinstance(got, int) and not isinstance(got, bool):
        return got == want          # integers exactly (ids beyond 2^53 differ by 1)
    if isinstance(want, (int, float)):
        return isinstance(got, (int, float)) and abs(got - want) <= 1e-9 * max(1, abs(want))
    return got == want


def check(frontend: str, outcome: Outcome, expect: dict):
    where = f"{frontend}: code {outcome.code}, message {outcome.message[:300]!r}"
    assert outcome.code == expect["code"], where
    for word in expect.get("message", []):
        assert word in outcome.message, f"{where} lacks {word!r}"
    if expect["code"] != 0 or "rows" not in expect:
        return
    table = outcome.table
    lengths = {len(v) for v in table.values()}
    assert lengths == {expect["rows"]}, f"{frontend}: {lengths} rows, expected {expect['rows']}"
    for column, want in expect.get("values", {}).items():
        assert column in table, f"{frontend}: no column {column} in {list(table)}"
        assert all(matches(g, w) for g, w in zip(table[column], want)), f"{frontend}: {column} = {table[column]}, expected {want}"
    if "table_note" in expect:
        assert any(expect["table_note"] in n for n in outcome.notes), f"{frontend}: notes {outcome.notes}"
    if "note" in expect:
        note = table.get("note", [None] * expect["rows"])[expect["note"]["row"]] or ""
        assert expect["note"]["contains"] in note, f"{frontend}: note {note!r}"


@pytest.fixture(scope="module")
def baseline():
    return lcstat.agreement(VALID, group="g", items=["a", "b"], scale=(1, 5))


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_catalogue_case(case, generated, tmp_path, baseline):
    expect = case["expect"]
    if "calls" in case:
        check("C ABI", run_calls(case["calls"], VALID), expect)
    else:
        path, run = resolve(case, generated), formula(case["run"])
        if path is not None and not os.path.isabs(path):
            path = str(tmp_path / path) if path != "." else str(tmp_path)
        if "c_types_refuse" not in case:       # a value the C signature cannot carry is not a C case
            check("C ABI", run_c(run, path), expect)
        check("Python", run_python(run, path), expect)
        if not os.path.exists(CLI):
            pytest.skip("dist/bin/lcstat not built (scripts/build-lib)")
        check("CLI", run_cli(run, path, str(tmp_path)), expect)
    # this process is alive, and the library computes what it did before the case
    assert LIB.lc_version() > 0
    assert lcstat.agreement(VALID, group="g", items=["a", "b"], scale=(1, 5)).equals(baseline)


def test_catalogue_size():
    """Issue 5 asks for at least 40 cases."""
    assert len(CASES) >= 40
    assert len({c["id"] for c in CASES}) == len(CASES)
