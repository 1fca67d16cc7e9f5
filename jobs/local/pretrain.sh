#!/usr/bin/env bash
# dap domain-adaptive pretraining on this machine, without Slurm: the same run as
# jobs/slurm/pretrain.sbatch, started with mpirun from the repository root. Interrupt it
# with SIGUSR1 (kill -USR1 <mpirun pid>) to checkpoint and stop (exit 75); run the same
# command again to continue from the newest checkpoint.
#   jobs/local/pretrain.sh -n 2 lua/pretrain_tiny.lua
#
# Usage:
#   jobs/local/pretrain.sh [-n RANKS] [--splits 1,2,...] [--seeds 0,1,... --seed-scope chain] CONFIG [key.path=value ...]
# With --splits, each split is pretrained in turn on its own clips (run.split); with
# --seed-scope chain, each (seed, split) (pretrain.seed = the seed).
# Environment:
#   DAP_BUILD_DIR   build folder holding bin/dap-pretrain (default: <repo>/build)
set -euo pipefail

lib=$(dirname "${BASH_SOURCE[0]}")/../lib
# shellcheck source=jobs/lib/local_stage.sh
source "$lib/local_stage.sh"
# shellcheck source=jobs/lib/seeds_splits.sh
source "$lib/seeds_splits.sh"

dap_parse_seeds_splits "$@"
tasks=$(dap_pretrain_count)
for ((i = 0; i < tasks; ++i)); do
  mapfile -t overrides < <(dap_pretrain_overrides "$i")
  ((${#overrides[@]} == 0)) || echo "== pretraining $((i + 1)) of $tasks: ${overrides[*]}"
  dap_local_stage pretrain "${DAP_RANKS[@]}" "${DAP_ARGS[@]}" "${overrides[@]}"
done
