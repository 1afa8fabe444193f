#!/usr/bin/env python3
"""Writes the seed programs of the FuzzABI target (Fuzz/corpus/abi/), encoded as
Sources/FuzzABI/Steps.swift reads them: each call is [error?, slot, op, args...].
Regenerate after changing that encoding."""
import pathlib

COLUMNS = ["g", "i1", "i2", "i3", "x", "y", "t", "p", "w", "", "absent", "g_t"]
POOL = lambda name: [1, COLUMNS.index(name)]          # text(): a pool word


def call(op, *args, slot=0):
    return [1, slot, op, *args]


def labels(name, codes):                              # three levels "a", "b", "c c"
    return call(2, 0, *POOL(name), 3, 1, 1, 0, 1, 1, 1, 1, 1, 3, len(codes), *[c + 1 for c in codes])


def numeric(name, values):                            # values: indices into Pool.doubles (0 -> 1.0 ... 4 -> 5.0)
    return call(1, 0, *POOL(name), len(values), *values, 1)


def columns(setter, names):                           # setter 0 group, 1 items, 2 reverse
    out = [len(names)]
    for n in names:
        out += [0, *POOL(n)]
    return call(5, 0, *out, setter)


codes = [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2]
build = (call(0, 0) + labels("g", codes) + numeric("i1", [3, 4, 3, 2, 0, 1, 0, 1, 2, 2, 2, 2])
         + numeric("i2", [4, 4, 3, 3, 1, 0, 0, 0, 2, 3, 1, 2]) + numeric("i3", [3, 3, 4, 4, 0, 1, 1, 0, 2, 2, 2, 3])
         + call(3, 0) + columns(0, ["g"]) + columns(1, ["i1", "i2", "i3"]) + call(6, 0, 0, 4))
read = call(12, 0, 0, 0, 1)                           # table 0: column 0, row 0
seeds = {
    "agreement": build + call(8, 0, 0, 0, 0) + read,
    "icc": build + call(8, 0, 0, 1, 0) + read,
    "null": call(3, 0) + call(6, 0, 0, 4) + call(4, 0, 1, 5, 1, 14) + call(4, 0, 1, 6, 1, 13) + call(9, 0, 0) + read,
    "transfer": build + numeric("y", [0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 2, 2]) + numeric("x", [4, 3, 2, 1, 0, 0, 1, 2, 3, 4, 1, 1])
                + call(10, 0, 1, 0, 0, 0, 0) + call(11, 0, 1, 0, 1, 0) + read,
    "free_twice": build + call(13, 0, 0, 0) + call(13, 0, 0, 0) + call(8, 0, 0, 0, 0),
    "csv": call(14, 1, 0, 0) + call(3, 0) + columns(0, ["g"]) + call(8, 0, 0, 0, 0) + read,
}
here = pathlib.Path(__file__).parent / "corpus" / "abi"
for name, program in seeds.items():
    (here / name).write_bytes(bytes(b % 256 for b in program))
