"""Builds lcstat's Python package: the Swift library (liblcstat.so, with the
Swift runtime linked in statically) and the CPython extension over its C ABI.

`pip install ./python` runs `scripts/build-lib lib` in the repository one level up,
so it needs the Swift toolchain at build time only; `scripts/wheel` makes a wheel that
needs nothing but Python, numpy and pandas."""
import os
import re
import shutil
import subprocess

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def version():
    """The version, from Sources/LCCore/Version.swift (the one place it is written)."""
    with open(os.path.join(ROOT, "Sources", "LCCore", "Version.swift")) as f:
        return ".".join(re.search(r"major = (\d+), minor = (\d+), patch = (\d+)", f.read()).groups())


def soname():
    """The library's file name as the extension records it (its SONAME, scripts/build-lib)."""
    return "liblcstat.so." + version().split(".")[0]


class BuildSwiftThenExt(build_ext):
    def run(self):
        # the shared library as C users get it: SONAME liblcstat.so.MAJOR, only lc_* exported
        subprocess.run([os.path.join(ROOT, "scripts", "build-lib"), "lib"], cwd=ROOT, check=True)
        built = os.path.join(ROOT, "dist", "lib", soname())
        libdir = os.path.join(self.build_temp, "swiftlib")
        os.makedirs(libdir, exist_ok=True)
        shutil.copyfile(built, os.path.join(libdir, "liblcstat.so"))
        for ext in self.extensions:
            ext.library_dirs.append(libdir)
        super().run()
        # ship the library beside the extension under its SONAME (found through RPATH $ORIGIN)
        dest = os.path.dirname(self.get_ext_fullpath("lcstat._lcstat"))
        os.makedirs(dest, exist_ok=True)
        shutil.copyfile(built, os.path.join(dest, soname()))


setup(
    version=version(),
    ext_modules=[Extension(
        "lcstat._lcstat",
        sources=["src/_lcstat.c"],
        include_dirs=[os.path.join(ROOT, "include")],
        libraries=["lcstat"],
        runtime_library_dirs=["$ORIGIN"],
        extra_compile_args=["-std=c11", "-Wall", "-Werror=incompatible-pointer-types"],
        depends=[os.path.join(ROOT, "include", "lcstat.h")],
    )],
    cmdclass={"build_ext": BuildSwiftThenExt},
)
