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
# --train-sbatch), plus --name NAME (default: sweep).
set -euo pipefail

# shellcheck source=jobs/lib/pipeline.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/pipeline.sh"
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
  sed -n '2,11p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
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

arrays=() runs=() first_config= first_overrides=()
for experiment in "${experiments[@]}"; do
  mapfile -t words <<<"$experiment"
  dap_submit_experiment "${words[0]}" "${words[@]:1}"
  for run in "${runs[@]}"; do
    if [[ $run == "$DAP_RUN_FOLDER" ]]; then
      echo "sweep: two experiments share the run folder $run; give each its own run.name" >&2
      exit 2
    fi
  done
  arrays+=("$DAP_LAST_JOB")
  runs+=("$DAP_RUN_FOLDER")
  if [[ -z $first_config ]]; then
    first_config=${words[0]}
    first_overrides=("${words[@]:1}")
    output=$(dirname "$DAP_RUN_FOLDER")/sweeps/$name
    [[ $output == /* ]] || output=$DAP_REPO/$output
  fi
done

list=$(printf '"%s",' "${runs[@]}")
dependency=$(IFS=:; echo "${arrays[*]}")
dap_submit_aggregate "$dependency" "$first_config" "${first_overrides[@]}" "evaluate.aggregate.runs={${list%,}}" \
  "evaluate.aggregate.output=$output" "evaluate.aggregate.name=$name"
echo "== aggregate job $DAP_LAST_JOB over ${#runs[@]} experiment(s); table: $output/$name.md (.csv, .json)"
