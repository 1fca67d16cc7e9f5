# Submitting the whole pipeline to Slurm, shared by jobs/slurm/full_pipeline.sh (one
# experiment) and jobs/slurm/sweep.sh (several, aggregated into one table). Sourced.
#
# dap_pipeline_options ARGS...: parses the options both scripts take, in front of the rest:
#   --dry-run            print the sbatch lines instead of submitting them
#   --seeds 0,1,...      fine-tuning seeds (default 0)      --splits 1,2,...  splits (default: the config's)
#   --seed-scope S       finetune or chain (default: the config's run.seed_scope): chain gives each
#                        seed its own pretraining as well (pretrain.seed = the seed)
#   --ranks N            MPI ranks per job (default 1)
#   --sbatch "OPTS"      extra sbatch options for every job (partition, account, time, ...);
#                        split into words as the shell would, so quoted values keep their spaces
#   --train-sbatch "OPTS" extra sbatch options for pretrain and finetune (e.g. --gpus-per-task=1)
#   --array-limit N      at most N tasks of each array at once (--array=0-K%N)
#   --mem SIZE, --mem-per-gpu SIZE   memory of the pretrain and finetune jobs (sbatch's options)
# leaving the rest in DAP_REST.
# dap_submit_experiment CONFIG [key=value ...]: submits preprocess -> pretrain (an array,
# one task per split, or per (seed, split) with seed scope chain: each split is pretrained
# on its own clips) -> finetune array, chained
# with afterok; sets DAP_RUN_FOLDER (run.root/run.name) and DAP_LAST_JOB (the array's id).
# Pretraining is left out when finetune.init_adapter is "none" (a baseline).
# dap_submit_aggregate DEPENDENCY CONFIG [key=value ...]: the evaluate.sbatch job.

dap_pipeline_options() {
  DAP_DRY_RUN=0 DAP_RANKS=1 DAP_SEED_LIST=0 DAP_SPLIT_LIST= DAP_SBATCH_ALL= DAP_SBATCH_TRAIN= DAP_SEED_SCOPE=
  DAP_ARRAY_LIMIT= DAP_MEMORY=()
  while (($# > 0)); do
    case $1 in
      --dry-run) DAP_DRY_RUN=1; shift ;;
      --seeds) DAP_SEED_LIST=${2:?--seeds needs a list}; shift 2 ;;
      --splits) DAP_SPLIT_LIST=${2:?--splits needs a list}; shift 2 ;;
      --seed-scope) DAP_SEED_SCOPE=${2:?--seed-scope needs finetune or chain}; shift 2 ;;
      --ranks) DAP_RANKS=${2:?--ranks needs a number}; shift 2 ;;
      --sbatch) DAP_SBATCH_ALL=${2?--sbatch needs options}; shift 2 ;;
      --train-sbatch) DAP_SBATCH_TRAIN=${2?--train-sbatch needs options}; shift 2 ;;
      --array-limit) DAP_ARRAY_LIMIT=%${2:?--array-limit needs a number}; shift 2 ;;
      --mem | --mem-per-gpu) DAP_MEMORY+=("$1=${2:?$1 needs a size, e.g. 64G}"); shift 2 ;;
      *) break ;;
    esac
  done
  DAP_REST=("$@")
  DAP_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
  DAP_BIN=${DAP_BUILD_DIR:-$DAP_REPO/build}/bin
  # A driver job (sbatch jobs/slurm/full_pipeline.sh) must not hand its own job
  # variables to the stage jobs it submits with --export=ALL.
  if [[ -n ${SLURM_JOB_ID:-} ]]; then
    local name
    for name in $(compgen -v SLURM_); do [[ $name == SLURM_CONF ]] || unset "$name"; done
  fi
  # The sbatch options of every job, and of the training (pretrain, finetune) jobs.
  DAP_ALL_OPTIONS=(--export=ALL --chdir="$DAP_REPO" --kill-on-invalid-dep=yes)
  DAP_TRAIN_OPTIONS=(-n "$DAP_RANKS" "${DAP_MEMORY[@]}")
  local words
  words=$(dap_words "$DAP_SBATCH_ALL") || exit 2
  [[ -z $words ]] || mapfile -t -O "${#DAP_ALL_OPTIONS[@]}" DAP_ALL_OPTIONS <<<"$words"
  words=$(dap_words "$DAP_SBATCH_TRAIN") || exit 2
  [[ -z $words ]] || mapfile -t -O "${#DAP_TRAIN_OPTIONS[@]}" DAP_TRAIN_OPTIONS <<<"$words"
}

# The words of an option string as the shell would split it ("a 'b c'" -> a, b c),
# one per line; fails on an unmatched quote.
dap_words() {
  [[ -n $1 ]] || return 0
  xargs printf '%s\n' <<<"$1" || {
    echo "full_pipeline: cannot split the options \"$1\" (an unmatched quote?)" >&2
    return 2
  }
}

# A key of the fully resolved config (dap-finetune --print-config writes one per line).
dap_config_value() { # dap_config_value RESOLVED_TEXT SECTION KEY
  awk -v section="  $2 = {" -v key="$3" '
    $0 == section { inside = 1; next }
    inside && /^  [}]/ { exit }
    inside && $1 == key && $2 == "=" { value = $3; sub(/,$/, "", value); gsub(/"/, "", value); print value; exit }
  ' <<<"$1"
}

# Runs sbatch (or prints it with --dry-run); echoes the job id (with --dry-run the
# placeholder $PLACEHOLDER, e.g. $PRETRAIN_demo_dark).
dap_sbatch() {
  local placeholder=$1
  shift
  if ((DAP_DRY_RUN)); then
    local word line=sbatch
    for word in "$@"; do
      [[ $word == *[[:space:]]* ]] && word="'$word'"  # show which words hold spaces
      line+=" $word"
    done
    echo "$line" >&2
    echo "\$$placeholder"
    return
  fi
  local id
  id=$(sbatch --parsable "$@") || {
    echo "full_pipeline: sbatch failed: sbatch $*" >&2
    return 1
  }
  echo "${id%%;*}"
}

dap_submit_experiment() {
  local config=$1
  shift
  local overrides=("$@") resolved
  if [[ ! -x $DAP_BIN/dap-finetune ]]; then
    echo "full_pipeline: $DAP_BIN/dap-finetune not found; build first (bash scripts/build.sh)" >&2
    return 2
  fi
  resolved=$(cd "$DAP_REPO" && OMPI_MCA_ess_singleton_isolated=1 "$DAP_BIN/dap-finetune" --config "$config" \
    "${overrides[@]}" --print-config 2>/dev/null) || {
    echo "full_pipeline: the config does not load; see: $DAP_BIN/dap-finetune --config $config ${overrides[*]} --print-config" >&2
    return 2
  }
  local run_root run_name init_adapter scope
  run_root=$(dap_config_value "$resolved" run root)
  run_name=$(dap_config_value "$resolved" run name)
  init_adapter=$(dap_config_value "$resolved" finetune init_adapter)
  scope=${DAP_SEED_SCOPE:-$(dap_config_value "$resolved" run seed_scope)}
  DAP_RUN_FOLDER=$run_root/$run_name
  local logs=$DAP_RUN_FOLDER/logs
  [[ $logs == /* ]] || logs=$DAP_REPO/$logs
  if ((!DAP_DRY_RUN)); then mkdir -p "$logs"; fi

  local seeds_splits=(--seeds "$DAP_SEED_LIST" --seed-scope "${scope:-finetune}") tasks pretrain_tasks
  [[ -n $DAP_SPLIT_LIST ]] && seeds_splits+=(--splits "$DAP_SPLIT_LIST")
  IFS=, read -r -a _seeds <<<"$DAP_SEED_LIST"
  IFS=, read -r -a _splits <<<"${DAP_SPLIT_LIST:-x}"
  tasks=$((${#_seeds[@]} * ${#_splits[@]}))
  pretrain_tasks=${#_splits[@]}
  [[ $scope != chain ]] || pretrain_tasks=$tasks

  local all=("${DAP_ALL_OPTIONS[@]}") train=("${DAP_TRAIN_OPTIONS[@]}")
  local prep job
  prep=$(dap_sbatch "PREPROCESS_$run_name" "${all[@]}" -n "$DAP_RANKS" -J "dap-preprocess-$run_name" -o "$logs/%x-%j.out" \
    jobs/slurm/preprocess.sbatch "$config" "${overrides[@]}")
  job=$prep
  if [[ $init_adapter != none ]]; then
    job=$(dap_sbatch "PRETRAIN_$run_name" "${all[@]}" "${train[@]}" -J "dap-pretrain-$run_name" -o "$logs/%x-%A_%a.out" \
      --array=0-$((pretrain_tasks - 1))$DAP_ARRAY_LIMIT --dependency=afterok:"$prep" \
      jobs/slurm/pretrain.sbatch "${seeds_splits[@]}" "$config" "${overrides[@]}")
  fi
  DAP_LAST_JOB=$(dap_sbatch "FINETUNE_$run_name" "${all[@]}" "${train[@]}" -J "dap-finetune-$run_name" \
    -o "$logs/%x-%A_%a.out" --array=0-$((tasks - 1))$DAP_ARRAY_LIMIT --dependency=afterok:"$job" \
    jobs/slurm/finetune.sbatch "${seeds_splits[@]}" "$config" "${overrides[@]}")
  local chain="preprocess $prep"
  [[ $init_adapter != none ]] && chain+=", pretrain array $job ($pretrain_tasks task(s), seed scope ${scope:-finetune})"
  echo "== $run_name: $chain, finetune array $DAP_LAST_JOB ($tasks task(s): seeds $DAP_SEED_LIST${DAP_SPLIT_LIST:+, splits $DAP_SPLIT_LIST}); logs in $logs"
}

dap_submit_aggregate() {
  local dependency=$1 config=$2
  shift 2
  local all=("${DAP_ALL_OPTIONS[@]}")
  local logs=$DAP_RUN_FOLDER/logs
  [[ $logs == /* ]] || logs=$DAP_REPO/$logs
  DAP_LAST_JOB=$(dap_sbatch "AGGREGATE_$(basename "$DAP_RUN_FOLDER")" "${all[@]}" -J "dap-evaluate-$(basename "$DAP_RUN_FOLDER")" \
    -o "$logs/%x-%j.out" --dependency=afterok:"$dependency" jobs/slurm/evaluate.sbatch "$config" "$@")
}
