#!/usr/bin/env bash
# dap evaluation on this machine, without Slurm, as jobs/slurm/evaluate.sbatch: by default
# the aggregate task (mean +- std tables over the seeds and splits evaluated by
# jobs/local/finetune.sh, in run.root/run.name/results/); other tasks by override:
#   jobs/local/evaluate.sh lua/finetune_tiny.lua
#   jobs/local/evaluate.sh lua/finetune_tiny.lua evaluate.task=gradcam run.split=1
#
# Usage:
#   jobs/local/evaluate.sh [-n RANKS] CONFIG [key.path=value ...]
set -euo pipefail

# shellcheck source=jobs/lib/local_stage.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/local_stage.sh"
ranks=(-n 1)
if [[ ${1:-} == -n ]]; then
  ranks=(-n "${2:?-n needs a number of ranks}")
  shift 2
fi
if (($# < 1)); then
  echo "evaluate.sh: no config given. usage: jobs/local/evaluate.sh [-n RANKS] CONFIG [key.path=value ...]" >&2
  exit 2
fi
config=$1
shift
dap_local_stage evaluate "${ranks[@]}" "$config" evaluate.task=aggregate "$@"
