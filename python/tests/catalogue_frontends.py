"""The three frontends of lcstat driven by one description of a run (a case of
Tests/BadInputs/catalogue.json): the C ABI through ctypes, the CLI as a child
process, and the Python package in this process. Each returns an Outcome: the
status code (0 on success), the message, and on success the main result table
as {column: [values]}."""
import ctypes
import json
import math
import os
import re
import subprocess
from dataclasses import dataclass, field

import lcstat

from conftest import ROOT

CLI = os.path.join(ROOT, "dist", "bin", "lcstat")
# the library the extension loads, under its SONAME (liblcstat.so.MAJOR)
LIBRARY = os.path.join(os.path.dirname(lcstat.__file__), "liblcstat.so." + lcstat.__version__.split(".")[0])
HEADER = os.path.join(ROOT, "include", "lcstat.h")


@dataclass
class Outcome:
    code: int
    message: str = ""
    table: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)


# --- the C ABI ------------------------------------------------------------------

class LCError(ctypes.Structure):
    _fields_ = [("code", ctypes.c_int32), ("message", ctypes.c_char * 512)]


class CSVOptions(ctypes.Structure):
    _fields_ = [("struct_size", ctypes.c_uint32), ("delimiter", ctypes.c_char), ("decimal", ctypes.c_char),
                ("na_values", ctypes.c_void_p), ("n_na_values", ctypes.c_int64),
                ("columns", ctypes.c_void_p), ("n_columns", ctypes.c_int64)]


_SCALARS = {"double": ctypes.c_double, "int64_t": ctypes.c_int64, "int32_t": ctypes.c_int32, "uint64_t": ctypes.c_uint64}


def _c_type(declaration):
    """The ctypes type of a C declaration such as ``int64_t n`` or ``char const * name``."""
    kind = declaration.rsplit(None, 1)[0].replace("const", "").strip()
    return ctypes.c_void_p if "*" in kind or kind.endswith("_fn") else _SCALARS[kind]


def load_library():
    """liblcstat.so with every function typed from include/lcstat.h, so that the
    header is the single source of the signatures."""
    lib = ctypes.CDLL(LIBRARY)
    prototypes = {}
    with open(HEADER) as f:
        for ret, name, params in re.findall(r"^([\w ]+?\**)\s*(lc_\w+)\((.*?)\);", f.read(), re.M):
            args = [] if params.strip() == "void" else [p.strip() for p in params.split(",")]
            fn = getattr(lib, name)
            fn.argtypes = [_c_type(a) for a in args]
            fn.restype = None if ret.strip() == "void" else _c_type(ret + " x")
            prototypes[name] = args
    return lib, prototypes


LIB, PROTOTYPES = load_library()


def _strings(values):
    keep = [None if v is None else v.encode() for v in values]
    array = (ctypes.c_char_p * max(len(keep), 1))(*keep)
    return array


def _check(status, error):
    if status != 0:
        raise _Failure(status, error.message.decode("utf-8", "replace"))


class _Failure(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code, self.message = code, message


def c_table(table) -> dict:
    """A result table handle read into {column: [values]} (NaN/None for missing)."""
    error = LCError()
    n, rows = ctypes.c_int64(), ctypes.c_int64()
    _check(LIB.lc_table_ncols(table, ctypes.byref(n), ctypes.byref(error)), error)
    _check(LIB.lc_table_nrows(table, ctypes.byref(rows), ctypes.byref(error)), error)
    out = {}
    for c in range(n.value):
        name, kind = ctypes.c_char_p(), ctypes.c_int32()
        _check(LIB.lc_table_column_name(table, c, ctypes.byref(name), ctypes.byref(error)), error)
        _check(LIB.lc_table_column_type(table, c, ctypes.byref(kind), ctypes.byref(error)), error)
        if kind.value == 3:
            values = []
            for r in range(rows.value):
                text = ctypes.c_char_p()
                _check(LIB.lc_table_text(table, c, r, ctypes.byref(text), ctypes.byref(error)), error)
                values.append(None if text.value is None else text.value.decode())
        else:
            ctype, getter = {1: (ctypes.c_double, LIB.lc_table_column_doubles), 2: (ctypes.c_int64, LIB.lc_table_column_int64s),
                             4: (ctypes.c_uint8, LIB.lc_table_column_bools)}[kind.value]
            data = ctypes.POINTER(ctype)()
            _check(getter(table, c, ctypes.byref(data), ctypes.byref(error)), error)
            values = [bool(data[r]) if kind.value == 4 else data[r] for r in range(rows.value)]
        out[name.value.decode()] = values
    return out


def c_notes(table) -> list[str]:
    error, count, notes = LCError(), ctypes.c_int64(), []
    _check(LIB.lc_table_nnotes(table, ctypes.byref(count), ctypes.byref(error)), error)
    for i in range(count.value):
        text = ctypes.c_char_p()
        _check(LIB.lc_table_note(table, i, ctypes.byref(text), ctypes.byref(error)), error)
        notes.append(text.value.decode())
    return notes


def c_read(path: str):
    error, handle = LCError(), ctypes.c_void_p()
    _check(LIB.lc_dataset_read_csv(path.encode(), None, ctypes.byref(handle), ctypes.byref(error)), error)
    return handle


def c_spec(run: dict):
    error, spec = LCError(), ctypes.c_void_p()
    _check(LIB.lc_spec_create(ctypes.byref(spec), ctypes.byref(error)), error)
    try:
        if "group" in run:
            group = run["group"] if isinstance(run["group"], list) else [run["group"]]
            _check(LIB.lc_spec_set_group(spec, _strings(group), len(group), ctypes.byref(error)), error)
        if "items" in run and run["analysis"] != "null":
            _check(LIB.lc_spec_set_items(spec, _strings(run["items"]), len(run["items"]), ctypes.byref(error)), error)
        if "scale" in run:
            _check(LIB.lc_spec_set_scale(spec, *map(float, run["scale"]), ctypes.byref(error)), error)
        if "null" in run:
            _check(LIB.lc_spec_set_null(spec, run["null"].encode(), ctypes.byref(error)), error)
        if "missing" in run:
            _check(LIB.lc_spec_set_missing(spec, run["missing"].encode(), ctypes.byref(error)), error)
        if "reverse" in run:
            _check(LIB.lc_spec_set_reverse(spec, _strings(run["reverse"]), len(run["reverse"]), ctypes.byref(error)), error)
        options = {"group_size": run.get("group_size"), "n_items": run.get("items") if run["analysis"] == "null" else None,
                   "method": run.get("method"), "replications": run.get("replications"), "seed": run.get("seed")}
        for key, value in options.items():
            if value is not None:
                setter = getattr(LIB, "lc_spec_set_" + key)
                if key == "method":
                    _check(setter(spec, value.encode(), ctypes.byref(error)), error)
                else:
                    typed = ctypes.c_uint64 if key == "seed" else ctypes.c_int64
                    _check(setter(spec, typed(int(value)), ctypes.byref(error)), error)
    except _Failure:
        LIB.lc_spec_free(spec)
        raise
    return spec


def run_c(run: dict, path: str | None) -> Outcome:
    """The run through the C ABI: read, spec, analysis, table; every handle freed."""
    error, handles = LCError(), []
    try:
        out = ctypes.c_void_p()
        if run["analysis"] == "null":
            spec = c_spec(run)
            handles.append((LIB.lc_spec_free, spec))
            _check(LIB.lc_null_distribution(spec, ctypes.byref(out), ctypes.byref(error)), error)
        elif run["analysis"] == "transfer":
            data = c_read(path)
            handles.append((LIB.lc_dataset_free, data))
            fit = ctypes.c_void_p()
            variance = run.get("variance")
            _check(LIB.lc_transfer_with_variance(data, run["formula"].encode(), variance.encode() if variance else None,
                                                 1, ctypes.byref(fit), ctypes.byref(error)), error)
            handles.append((LIB.lc_fit_free, fit))
            _check(LIB.lc_fit_table(fit, b"fixed", ctypes.byref(out), ctypes.byref(error)), error)
        else:
            data = c_read(path)
            handles.append((LIB.lc_dataset_free, data))
            spec = c_spec(run)
            handles.append((LIB.lc_spec_free, spec))
            analysis = getattr(LIB, "lc_" + run["analysis"])
            _check(analysis(data, spec, ctypes.byref(out), ctypes.byref(error)), error)
        handles.append((LIB.lc_table_free, out))
        return Outcome(0, table=c_table(out), notes=c_notes(out))
    except _Failure as f:
        return Outcome(f.code, f.message)
    finally:
        for free, handle in reversed(handles):
            free(handle)


# --- the CLI --------------------------------------------------------------------

def cli_arguments(run: dict, path: str | None) -> list[str]:
    a = run["analysis"]
    if a == "null":
        args = ["null", f"--group-size={run['group_size']}", f"--items={run['items']}"]
    elif a == "transfer":
        args = ["transfer", path, "--formula", run["formula"]]
        if run.get("variance"):
            args += ["--variance", run["variance"]]
    else:
        group = run["group"] if isinstance(run["group"], list) else [run["group"]]
        args = [a, path, "--group", ",".join(group), "--items", ",".join(run["items"])]
        args += ["--extra"] if run.get("extra") else []
        if "reverse" in run:
            args += ["--reverse", ",".join(run["reverse"])]
        if "missing" in run:
            args += ["--missing", run["missing"]]
    if "scale" in run:
        args += ["--scale=%g:%g" % tuple(run["scale"])]
    for key in ("null", "method", "replications", "seed"):  # --key=value: a value may start with '-'
        if key in run:
            args += [f"--{key}={run[key]}"]
    return args + ["--format", "json"]


def run_cli(run: dict, path: str | None, cwd: str) -> Outcome:
    p = subprocess.run([CLI] + cli_arguments(run, path), capture_output=True, text=True, cwd=cwd, timeout=600)
    if p.returncode < 0:
        raise AssertionError(f"the CLI died of signal {-p.returncode}: {p.stderr[-400:]}")
    if p.returncode != 0:
        return Outcome(p.returncode, p.stderr.strip())
    result = json.loads(p.stdout)
    rows = result["fixed"] if run["analysis"] == "transfer" else result["rows"]
    columns = list(rows[0]) if rows else result.get("columns", [])
    return Outcome(0, table={c: [r.get(c) for r in rows] for c in columns}, notes=result.get("notes", []))


# --- Python ---------------------------------------------------------------------

def run_python(run: dict, path: str | None) -> Outcome:
    a = run["analysis"]
    try:
        if a == "null":
            kwargs = {k: run[k] for k in ("null", "method", "replications") if k in run}
            if "seed" in run:
                kwargs["seed"] = int(run["seed"])
            df = lcstat.null_distribution(run["group_size"], items=run["items"], scale=tuple(run["scale"]), **kwargs)
        elif a == "transfer":
            df = lcstat.transfer(path, run["formula"], variance=run.get("variance")).fixed
        else:
            kwargs = {k: run[k] for k in ("null", "missing", "reverse", "extra") if k in run}
            if "scale" in run:
                kwargs["scale"] = tuple(run["scale"])
            df = getattr(lcstat, a)(path, group=run["group"], items=run["items"], **kwargs)
    except lcstat.LcstatError as e:
        return Outcome(e.code, str(e))
    except (ValueError, OverflowError) as e:   # a seed Python itself cannot pass
        return Outcome(1, str(e))
    df = df.reset_index() if df.index.name else df
    return Outcome(0, table={c: [None if isinstance(v, float) and math.isnan(v) and df[c].dtype == object else v
                                 for v in df[c].tolist()] for c in df.columns}, notes=df.attrs.get("notes", []))


# --- C-ABI misuse: a case's list of calls -----------------------------------------

class Fixtures:
    """Fresh handles for a misuse case: "$dataset" (the valid file), "$spec" (group
    g, items a and b, scale 1-5), "$table" (their agreement); "$out", "$int64" and
    "$cstr" are out-parameters, "$result" what the last "$out" received."""

    def __init__(self, valid_path: str):
        self.valid_path = valid_path
        self.dataset = c_read(valid_path)
        self.spec = c_spec({"analysis": "agreement", "group": "g", "items": ["a", "b"], "scale": [1, 5]})
        self.table = ctypes.c_void_p()
        error = LCError()
        _check(LIB.lc_agreement(self.dataset, self.spec, ctypes.byref(self.table), ctypes.byref(error)), error)
        self.out = ctypes.c_void_p()
        self.made = []
        self.keep = []

    def argument(self, value):
        if value is None or isinstance(value, (int, float)):
            return value
        if isinstance(value, str) and value.startswith("$"):
            name = value[1:]
            if name == "out":
                self.out = ctypes.c_void_p()
                return ctypes.byref(self.out)
            if name == "result":
                self.made.append(self.out.value)
                return self.out
            if name == "int64":
                return ctypes.byref(ctypes.c_int64())
            if name == "cstr":
                return ctypes.byref(ctypes.c_char_p())
            if name == "valid_path":
                return self.valid_path.encode()
            return getattr(self, name)
        if isinstance(value, str):
            return value.encode()
        if "doubles" in value:
            array = (ctypes.c_double * len(value["doubles"]))(*value["doubles"])
        elif "int64s" in value:
            array = (ctypes.c_int64 * len(value["int64s"]))(*value["int64s"])
        elif "strings" in value:
            array = _strings(value["strings"])
        else:
            array = CSVOptions()
            LIB.lc_csv_options_init(ctypes.byref(array))
            for k, v in value["options"].items():
                setattr(array, k, v)
            array = ctypes.pointer(array)
        self.keep.append(array)
        return array

    def close(self):
        for handle in self.made:
            LIB.lc_dataset_free(handle)
        LIB.lc_table_free(self.table)
        LIB.lc_spec_free(self.spec)
        LIB.lc_dataset_free(self.dataset)


def run_calls(calls: list, valid_path: str) -> Outcome:
    """Runs the calls in order (an error struct appended where the function takes
    one); the outcome is the last call's status and message."""
    fixtures = Fixtures(valid_path)
    try:
        status, error = None, LCError()
        for name, *args in calls:
            values = [fixtures.argument(a) for a in args]
            takes_error = PROTOTYPES[name] and PROTOTYPES[name][-1].startswith("lc_error")
            error = LCError()
            status = getattr(LIB, name)(*values, *([ctypes.byref(error)] if takes_error else []))
        return Outcome(status, error.message.decode("utf-8", "replace"))
    finally:
        fixtures.close()
