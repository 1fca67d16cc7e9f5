#!/usr/bin/env bash
# The whole dap pipeline of one experiment on Slurm, submitted from the login node:
#   preprocess -> pretrain -> finetune (job array over seeds x splits; each task also
#   predicts) -> evaluate (aggregate: the mean +- std tables),
# chained with --dependency=afterok and --kill-on-invalid-dep=yes, so a failed stage cancels
# the stages after it (squeue/sacct then show them as DependencyNeverSatisfied/CANCELLED, and
# the failed stage's log in run.root/run.name/logs/ says why). Pretraining is skipped for
# configs with finetune.init_adapter = "none" (the rows without DAP). Preprocessed data that
# already exists for the same data and settings is reused: the preprocess job finds its
# complete shards and only retries videos that failed before.
#
# Usage (from anywhere; paths in the config are relative to the repository root):
#   jobs/slurm/full_pipeline.sh [--dry-run] [--seeds 0,1,2,3,4] [--splits 1,2,3] [--ranks N]
#       [--seed-scope finetune|chain] [--sbatch "-p PART -A ACCOUNT -t 04:00:00"]
#       [--train-sbatch "--gpus-per-task=1"] CONFIG [key.path=value ...]
# --dry-run prints the sbatch lines (job ids as $PREPROCESS_<run.name>, ...) and submits nothing.
# --seed-scope chain (or run.seed_scope = "chain"): each seed gets its own pretraining too.
# Prints the job ids and where the results will appear.
set -euo pipefail

# shellcheck source=jobs/lib/pipeline.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/pipeline.sh"
dap_pipeline_options "$@"
if ((${#DAP_REST[@]} < 1)); then
  sed -n '2,18p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
fi
config=${DAP_REST[0]}
overrides=("${DAP_REST[@]:1}")
[[ $config == /* || ! -e $config ]] || config=$(realpath --relative-to="$DAP_REPO" "$config")

dap_submit_experiment "$config" "${overrides[@]}"
dap_submit_aggregate "$DAP_LAST_JOB" "$config" "${overrides[@]}"
results=$DAP_RUN_FOLDER/results
[[ $results == /* ]] || results=$DAP_REPO/$results
echo "== aggregate job $DAP_LAST_JOB; results: $results/results.md (.csv, .json)"
