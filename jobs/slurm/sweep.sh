#!/usr/bin/env bash
# Several experiments on Slurm at once, each as its own pipeline (jobs/slurm/full_pipeline.sh:
# preprocess -> pretrain -> finetune array over seeds x splits), and one aggregation after all
# of them into a single table, e.g. the paper's Table 4 ablations on ARID (docs/EXPERIMENTS.md):
#   jobs/slurm/sweep.sh --splits 1,2,3 --name table4_arid \
#       lua/arid_r2plus1d_baseline.lua :: lua/arid_r2plus1d_train_encoder.lua :: \
#       lua/arid_r2plus1d_lock_encoder.lua :: lua/arid_r2plus1d.lua
# Experiments are separated by "::", each a config and its overrides; their run folders
# (run.root/run.name) must differ. The table goes to <first run.root>/sweeps/<name>/.
# Options as full_pipeline.sh (--dry-run, --seeds, --splits, --seed-scope, --ranks, --sbatch,
# --train-sbatch, --array-limit, --mem, --mem-per-gpu, --force), plus --name NAME (default:
# sweep). Submitting the same sweep again does only what is left, as full_pipeline.sh does;
# jobs/slurm/status.sh DRIVER_LOG (or the run folders) shows its progress on one screen.
# Experiments that preprocess into the same folder share it: their preprocess jobs take
# turns (a lock on the folder) and the later ones reuse the finished shards. Fine-tuning
# starts once every preprocess job of the sweep is done. An experiment that trains on a
# teacher's predictions (finetune.labels.source = "pseudo", e.g. lua/dailyda_sfvda_k600.lua)
# waits for the experiment whose run folder holds them (lua/dailyda_source_k600.lua), which
# must come earlier in the sweep; a teacher is trained once (the first seed) unless the
# seed scope is chain. So one sweep runs Daily-DA's source -> target chains (docs/SLURM.md).
# From the repository root, on the login node or as a driver job:
#   sbatch jobs/slurm/sweep.sh [options] CONFIG ... :: CONFIG ...
#SBATCH --job-name=dap-sweep        # the driver job: it only submits the stage jobs
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
name=sweep
args=()
while (($# > 0)); do
  case $1 in
    --name) name=${2:?--name needs a name}; shift 2 ;;
    *) args+=("$1"); shift ;;
  esac
done
dap_pipeline_options "${args[@]}"
if ((${#DAP_REST[@]} < 1)); then
  sed -n '2,22p' "$repository/jobs/slurm/sweep.sh" | sed 's/^# \{0,1\}//' >&2
  exit 2
fi

experiments=() # one string per experiment, words separated by newlines
current=
for word in "${DAP_REST[@]}" ::; do
  if [[ $word == :: ]]; then
    [[ -n $current ]] && experiments+=("$current")
    current=
  else
    current+=${current:+$'\n'}$word
  fi
done

runs=() first_config= first_overrides=()
for experiment in "${experiments[@]}"; do
  mapfile -t words <<<"$experiment"
  dap_add_experiment "${words[0]}" "${words[@]:1}"
  for run in "${runs[@]}"; do
    if [[ $run == "$DAP_RUN_FOLDER" ]]; then
      echo "sweep: two experiments share the run folder $run; give each its own run.name" >&2
      exit 2
    fi
  done
  runs+=("$DAP_RUN_FOLDER")
  if [[ -z $first_config ]]; then
    first_config=${words[0]}
    first_overrides=("${words[@]:1}")
    output=$(dap_absolute "$(dirname "$DAP_RUN_FOLDER")/sweeps/$name")
  fi
done
dap_submit_preprocess
for i in "${!runs[@]}"; do
  dap_submit_training "$i"
done

list=$(printf '"%s",' "${runs[@]}")
dap_submit_aggregate "$output/$name.json" "$first_config" "${first_overrides[@]}" "evaluate.aggregate.runs={${list%,}}" \
  "evaluate.aggregate.output=$output" "evaluate.aggregate.name=$name"
if [[ -n $DAP_LAST_JOB ]]; then
  echo "== aggregate job $DAP_LAST_JOB over ${#runs[@]} experiment(s); table: $output/$name.md (.csv, .json)"
elif [[ -n $DAP_AGGREGATE_WAITING ]]; then
  echo "== aggregate job $DAP_AGGREGATE_WAITING (an earlier submission's, still queued); table: $output/$name.md"
else
  echo "== nothing left to do over ${#runs[@]} experiment(s) ($DAP_AGGREGATE_WHY); table: $output/$name.md"
fi
echo "== progress: jobs/slurm/status.sh ${DAP_X_RUN[*]}"
