"""Builds lcstat's Python package: the Swift library (liblcstat.so, with the
Swift runtime linked in statically) and the CPython extension over its C ABI.

`pip install ./python` runs `swift build` in the repository one level up, so
it needs the Swift toolchain at build time only."""
import os
import re
import shutil
import subprocess

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SCRATCH = os.path.join(ROOT, ".build-static")


def version():
    """The version, from Sources/LCCore/Version.swift (the one place it is written)."""
    with open(os.path.join(ROOT, "Sources", "LCCore", "Version.swift")) as f:
        return ".".join(re.search(r"major = (\d+), minor = (\d+), patch = (\d+)", f.read()).groups())


class BuildSwiftThenExt(build_ext):
    def run(self):
        swift = shutil.which("swift") or "/opt/swift/usr/bin/swift"   # not resolved: the driver needs its name
        args = [swift, "build", "-c", "release", "--product", "lcstat_shared",
                "--scratch-path", SCRATCH, "-Xswiftc", "-static-stdlib"]
        subprocess.run(args, cwd=ROOT, check=True)
        bin_path = subprocess.run(args[:2] + ["-c", "release", "--scratch-path", SCRATCH, "--show-bin-path"],
                                  cwd=ROOT, check=True, capture_output=True, text=True).stdout.strip()
        libdir = os.path.join(self.build_temp, "swiftlib")
        os.makedirs(libdir, exist_ok=True)
        shutil.copyfile(os.path.join(bin_path, "liblcstat_shared.so"), os.path.join(libdir, "liblcstat.so"))
        for ext in self.extensions:
            ext.library_dirs.append(libdir)
        super().run()
        # ship the library beside the extension (found through RPATH $ORIGIN)
        dest = os.path.dirname(self.get_ext_fullpath("lcstat._lcstat"))
        os.makedirs(dest, exist_ok=True)
        shutil.copyfile(os.path.join(libdir, "liblcstat.so"), os.path.join(dest, "liblcstat.so"))


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
