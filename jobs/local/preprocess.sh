#!/usr/bin/env bash
# dap preprocessing stage on this machine, without Slurm: the same run as
# jobs/slurm/preprocess.sbatch, started with mpirun from the repository root.
#   jobs/local/preprocess.sh -n 2 lua/preprocess_demo.lua preprocess.sampling.num_frames=16
#
# Usage:
#   jobs/local/preprocess.sh [-n RANKS] CONFIG [key.path=value ...]
# Environment:
#   DAP_BUILD_DIR   build folder holding bin/dap-preprocess (default: <repo>/build)
set -euo pipefail

# shellcheck source=jobs/lib/local_stage.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/local_stage.sh"
dap_local_stage preprocess "$@"
