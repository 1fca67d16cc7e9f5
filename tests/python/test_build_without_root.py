#!/usr/bin/env python3
"""scripts/build.sh as on a cluster (docs/INSTALL.md, "Building on a cluster"): with
--no-install it installs nothing, takes libtorch from Torch_DIR, and when
libraries are missing CMake names all of them at once, with the hint where to
point it. Configure-only runs in a temporary build folder (no compilation)."""
import os
import shutil
import subprocess
import sys
import tempfile

SOURCE = os.environ.get("DAP_SOURCE_DIR") or os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TORCH_DIR = "/usr/lib/x86_64-linux-gnu/cmake/Torch"
problems = []


def check(condition, message):
    if not condition:
        problems.append(message)
        print("FAIL:", message)


def build(build_dir, *cmake_args, torch_dir=None):
    env = dict(os.environ, DAP_BUILD_DIR=build_dir, DAP_CMAKE_ARGS=" ".join(cmake_args))
    env.pop("Torch_DIR", None)
    if torch_dir:
        env["Torch_DIR"] = torch_dir
    return subprocess.run(["bash", "scripts/build.sh", "--no-install", "--configure-only"], cwd=SOURCE, env=env,
                          capture_output=True, text=True, timeout=600)


def main():
    if not os.path.isfile(os.path.join(TORCH_DIR, "TorchConfig.cmake")):
        print(f"skipped: no libtorch CMake package at {TORCH_DIR}")
        return 77
    work = tempfile.mkdtemp(prefix="dap_build_")
    try:
        # Two libraries "missing" (CMake told not to find them): one error names both.
        missing = build(os.path.join(work, "missing"), "-DCMAKE_DISABLE_FIND_PACKAGE_spdlog=ON",
                        "-DCMAKE_DISABLE_FIND_PACKAGE_Torch=ON")
        out = missing.stdout + missing.stderr
        check(missing.returncode != 0, "configuring without spdlog and Torch fails")
        check("dap: not found: spdlog, Torch" in out, "the error names every missing library")
        check("Torch_DIR=<libtorch>/share/cmake/Torch" in out and "CMAKE_PREFIX_PATH" in out,
              "and says how to point CMake at them")
        check("install_deps:" not in out, "--no-install installs nothing")

        # libtorch named by Torch_DIR, as a downloaded libtorch would be.
        named = build(os.path.join(work, "named"), torch_dir=TORCH_DIR)
        check(named.returncode == 0, f"configuring with Torch_DIR succeeds: {named.stderr[-2000:]}")
        with open(os.path.join(work, "named", "CMakeCache.txt")) as f:
            cache = f.read()
        check(f"Torch_DIR:PATH={TORCH_DIR}" in cache, "the build uses the libtorch Torch_DIR names")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if problems:
        print(f"{len(problems)} problem(s)")
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
