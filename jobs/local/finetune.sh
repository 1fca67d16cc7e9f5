#!/usr/bin/env bash
# dap fine-tuning on this machine, without Slurm: the runs of jobs/slurm/finetune.sbatch's
# array one after another. Each (seed, split) is fine-tuned, then predicted on the
# evaluation clips; aggregate afterwards with jobs/local/evaluate.sh CONFIG.
#   jobs/local/finetune.sh -n 2 --seeds 0,1,2 lua/finetune_tiny.lua
#
# Usage:
#   jobs/local/finetune.sh [-n RANKS] [--seeds 0,1,...] [--splits 1,2,...] [--seed-scope finetune|chain] \
#       CONFIG [key.path=value ...]
# --seed-scope chain: each seed also picks its own pretraining and pseudo-label teacher
# (pretrain.seed = the seed; run those with the same --seeds --seed-scope chain first).
# Environment:
#   DAP_BUILD_DIR   build folder holding bin/dap-finetune and bin/dap-evaluate (default: <repo>/build)
set -euo pipefail

lib=$(dirname "${BASH_SOURCE[0]}")/../lib
# shellcheck source=jobs/lib/local_stage.sh
source "$lib/local_stage.sh"
# shellcheck source=jobs/lib/seeds_splits.sh
source "$lib/seeds_splits.sh"

dap_parse_seeds_splits "$@"
tasks=$(dap_task_count)
for ((i = 0; i < tasks; ++i)); do
  mapfile -t overrides < <(dap_task_overrides "$i")
  echo "== run $((i + 1)) of $tasks: ${overrides[*]}"
  dap_local_stage finetune "${DAP_RANKS[@]}" "${DAP_ARGS[@]}" "${overrides[@]}"
  dap_local_stage evaluate "${DAP_RANKS[@]}" "${DAP_ARGS[@]}" "${overrides[@]}" evaluate.task=predict
done
