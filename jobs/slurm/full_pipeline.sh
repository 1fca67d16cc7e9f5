#!/usr/bin/env bash
# The whole dap pipeline of one experiment on Slurm:
#   preprocess -> pretrain -> finetune (job array over seeds x splits; each task also
#   predicts) -> evaluate (aggregate: the mean +- std tables),
# chained with --dependency=afterok and --kill-on-invalid-dep=yes, so a failed stage cancels
# the stages after it (squeue/sacct then show them as DependencyNeverSatisfied/CANCELLED, and
# the failed stage's log in run.root/run.name/logs/ says why). Pretraining is skipped for
# configs with finetune.init_adapter = "none" (the rows without DAP).
# Submitting again does only what is left: a task whose outputs are complete for the same
# settings (complete checksummed shards, a finished adapter, a seed x split's model and
# metrics.json from the same config, tables newer than every metrics.json) is skipped, with
# the reason printed, and the arrays get only the remaining indices (--array=1,3); a task
# after a redone one is redone too; a task whose job from an earlier submission is still
# queued or running is left to it. --force redoes everything else. What was submitted is listed
# in run.root/run.name/logs/dap-jobs.tsv; jobs/slurm/status.sh RUN_FOLDER shows its progress.
#
# Usage, from the repository root (paths in the config are relative to it):
#   sbatch jobs/slurm/full_pipeline.sh [options] CONFIG [key.path=value ...]
#   jobs/slurm/full_pipeline.sh [options] CONFIG [key.path=value ...]     (on the login node)
# Under sbatch a small driver job submits the stage jobs and ends (its log,
# dap-pipeline-<id>.out, lists their ids); called directly, the script does the same at once.
# Options:
#   --seeds 0,1,2,3,4  --splits 1,2,3  --seed-scope finetune|chain  --ranks N
#   --sbatch "-p PART -A ACCOUNT -t 04:00:00"   options of every stage job (quotes survive)
#   --train-sbatch "--gpus-per-task=1"           options of the pretrain and finetune jobs
#   --array-limit N    at most N array tasks at once (--array=...%N)
#   --mem SIZE  --mem-per-gpu SIZE               memory of the pretrain and finetune jobs
#   --dry-run          print the sbatch lines (job ids as $PREPROCESS_<run.name>, ...), submit nothing
#   --force            redo every task, even those whose outputs are complete
# --seed-scope chain (or run.seed_scope = "chain"): each seed gets its own pretraining too.
#SBATCH --job-name=dap-pipeline     # the driver job: it only submits the stage jobs
#SBATCH --output=%x-%j.out
#SBATCH --ntasks=1
#SBATCH --cpus-per-task=1
#SBATCH --time=00:10:00
set -euo pipefail

# Under sbatch this file runs as Slurm's spool copy, so the repository is found from
# DAP_SOURCE_DIR, then the path Slurm records for the job's script, then the submit folder.
dap_repository() {
  local script command
  script=$(dirname "${BASH_SOURCE[0]}")/../..
  if [[ -n ${SLURM_JOB_ID:-} && ! -f $script/jobs/lib/pipeline.sh ]]; then
    command=$(scontrol show job "$SLURM_JOB_ID" 2>/dev/null | sed -n 's/^ *Command=\([^ ]*\).*/\1/p')
    script=${DAP_SOURCE_DIR:-}
    [[ -n $script ]] || script=$(dirname "$command")/../..
    [[ -f $script/jobs/lib/pipeline.sh ]] || script=$SLURM_SUBMIT_DIR
  fi
  if [[ ! -f $script/jobs/lib/pipeline.sh ]]; then
    echo "$(basename "$0"): cannot find the dap repository (set DAP_SOURCE_DIR or submit from its root)" >&2
    return 2
  fi
  cd "$script" && pwd
}
repository=$(dap_repository)
# shellcheck source=jobs/lib/pipeline.sh
source "$repository/jobs/lib/pipeline.sh"
dap_pipeline_options "$@"
if ((${#DAP_REST[@]} < 1)); then
  sed -n '2,30p' "$repository/jobs/slurm/full_pipeline.sh" | sed 's/^# \{0,1\}//' >&2
  exit 2
fi
config=${DAP_REST[0]}
overrides=("${DAP_REST[@]:1}")
[[ $config == /* || ! -e $config ]] || config=$(realpath --relative-to="$DAP_REPO" "$config")

dap_add_experiment "$config" "${overrides[@]}"
dap_submit_preprocess
dap_submit_training 0
dap_submit_aggregate "${DAP_X_RESULTS[0]}" "$config" "${overrides[@]}"
results=${DAP_X_RESULTS[0]%.json}.md
if [[ -n $DAP_LAST_JOB ]]; then
  echo "== aggregate job $DAP_LAST_JOB; results: $results (.csv, .json)"
elif [[ -n $DAP_AGGREGATE_WAITING ]]; then
  echo "== aggregate job $DAP_AGGREGATE_WAITING (an earlier submission's, still queued); results: $results"
else
  echo "== nothing left to do: the tables are up to date ($DAP_AGGREGATE_WHY); results: $results"
fi
echo "== progress: jobs/slurm/status.sh ${DAP_X_RUN[0]}"
