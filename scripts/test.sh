#!/usr/bin/env bash
# The test command: installs and builds what is missing, then runs every test
# (unit, MPI under mpirun -np 2, Python references, one-node Slurm cluster).
# Extra arguments go to ctest, e.g. scripts/test.sh -R Shard
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
bash "$repo/scripts/build.sh"
cd "${DAP_BUILD_DIR:-$repo/build}"
# One ctest job per core: tests declare their own slots (tests/CMakeLists.txt).
ctest --output-on-failure --timeout 900 -j "$(nproc)" "$@"
