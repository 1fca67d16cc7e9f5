#!/usr/bin/env bash
# The whole dap pipeline of one experiment on this machine, without Slurm: the stages of
# jobs/slurm/full_pipeline.sh one after another with mpirun (preprocess, pretrain of every
# split unless finetune.init_adapter = "none", fine-tune + predict for every seed x split,
# aggregate).
# Preprocessed data that already exists for the same settings is reused; a stage that was
# interrupted continues from its checkpoint when the script is run again.
#   jobs/local/full_pipeline.sh -n 2 --seeds 0,1,2 lua/finetune_tiny.lua
# Usage:
#   jobs/local/full_pipeline.sh [-n RANKS] [--seeds 0,1,...] [--splits 1,2,...] [--seed-scope finetune|chain]
#       CONFIG [key.path=value ...]
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ranks=(-n 1)
if [[ ${1:-} == -n ]]; then
  ranks=(-n "${2:?-n needs a number of ranks}")
  shift 2
fi
sweep=()
while [[ ${1:-} == --seeds || ${1:-} == --splits || ${1:-} == --seed-scope ]]; do
  sweep+=("$1" "${2:?$1 needs a list}")
  shift 2
done
if (($# < 1)); then
  sed -n '2,11p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
fi
config=$1
shift

# shellcheck source=jobs/lib/pipeline.sh
source "$here/../lib/pipeline.sh"
dap_pipeline_options
resolved=$(cd "$DAP_REPO" && "$DAP_BIN/dap-finetune" --config "$config" "$@" --print-config 2>/dev/null) || {
  echo "full_pipeline.sh: the config does not load; see: $DAP_BIN/dap-finetune --config $config $* --print-config" >&2
  exit 2
}

# A config with run.seed_scope = "chain" varies the whole chain per seed without the option.
if [[ $(dap_config_value "$resolved" run.seed_scope) == chain && " ${sweep[*]} " != *" --seed-scope "* ]]; then
  sweep+=(--seed-scope chain)
fi

"$here/preprocess.sh" "${ranks[@]}" "$config" "$@"
if [[ $(dap_config_value "$resolved" finetune.init_adapter) != none ]]; then
  # One pretraining per split (per seed too with --seed-scope chain); pretrain.sh ignores seeds otherwise.
  "$here/pretrain.sh" "${ranks[@]}" "${sweep[@]}" "$config" "$@"
fi
"$here/finetune.sh" "${ranks[@]}" "${sweep[@]}" "$config" "$@"
"$here/evaluate.sh" "$config" "$@"
