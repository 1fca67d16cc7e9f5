#!/usr/bin/env bash
# dap domain-adaptive pretraining on this machine, without Slurm: the same run as
# jobs/slurm/pretrain.sbatch, started with mpirun from the repository root. Interrupt it
# with SIGUSR1 (kill -USR1 <mpirun pid>) to checkpoint and stop (exit 75); run the same
# command again to continue from the newest checkpoint.
#   jobs/local/pretrain.sh -n 2 lua/pretrain_tiny.lua
#
# Usage:
#   jobs/local/pretrain.sh [-n RANKS] CONFIG [key.path=value ...]
# Environment:
#   DAP_BUILD_DIR   build folder holding bin/dap-pretrain (default: <repo>/build)
set -euo pipefail

# shellcheck source=jobs/lib/local_stage.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/local_stage.sh"
dap_local_stage pretrain "$@"
