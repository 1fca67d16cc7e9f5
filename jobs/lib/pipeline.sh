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
# dap_add_experiment CONFIG [key=value ...] (for each experiment, in order), then
# dap_submit_preprocess, then dap_submit_training I (for each): preprocess -> pretrain array (one task per split, or per
# (seed, split) with seed scope chain) -> finetune array over seeds x splits, chained with
# afterok. Pretraining is left out when finetune.init_adapter is "none" (a baseline).
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

# A key of the fully resolved config (dap-finetune --print-config writes one per line),
# by its dotted path, e.g. dap_config_value "$resolved" finetune.labels.source.
dap_config_value() { # dap_config_value RESOLVED_TEXT KEY.PATH
  awk -v want="$2" '
    /^ *--/ { next }
    { match($0, /^ */); depth = RLENGTH / 2 }
    / = [{]$/ { table[depth] = $1; next }
    $2 == "=" {
      key = $1
      for (i = depth - 1; i >= 1; i--) key = table[i] "." key
      if (key != want) next
      value = substr($0, index($0, " = ") + 3)
      sub(/,$/, "", value); gsub(/"/, "", value); print value; exit
    }
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

# The experiments of this submission, by index (full_pipeline.sh: one; sweep.sh: several):
# their config and overrides (one per line), run folder (absolute), logs, preprocess job,
# what pretraining and seeds they need, the teacher predictions they read and their
# fine-tuning array.
DAP_X_ARGS=() DAP_X_NAME=() DAP_X_RUN=() DAP_X_LOGS=() DAP_X_PREP=() DAP_X_INIT=() DAP_X_SCOPE=()
DAP_X_SEEDS=() DAP_X_READS=() DAP_X_FINETUNE=()

dap_absolute() { if [[ $1 == /* ]]; then echo "$1"; else echo "$DAP_REPO/$1"; fi; }

# dap_add_experiment CONFIG [key=value ...]: reads the resolved config and records the
# experiment; sets DAP_RUN_FOLDER (run.root/run.name as the config has it).
dap_add_experiment() {
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
  local i=${#DAP_X_ARGS[@]} name scope seeds=$DAP_SEED_LIST reads=
  name=$(dap_config_value "$resolved" run.name)
  DAP_RUN_FOLDER=$(dap_config_value "$resolved" run.root)/$name
  scope=${DAP_SEED_SCOPE:-$(dap_config_value "$resolved" run.seed_scope)}
  # A teacher (a source model whose predictions other experiments train on) writes them to
  # evaluate.output, one file per pretrain.seed: with seed scope finetune there is one
  # teacher, so it is trained with the first seed only.
  if [[ -n $(dap_config_value "$resolved" evaluate.output) && $scope != chain ]]; then seeds=${seeds%%,*}; fi
  if [[ $(dap_config_value "$resolved" finetune.labels.source) == pseudo ]]; then
    reads=$(dap_absolute "$(dap_config_value "$resolved" finetune.labels.predictions)")
  fi
  DAP_X_ARGS[i]=$(printf '%s\n' "$config" "${overrides[@]}")
  DAP_X_NAME[i]=$name
  DAP_X_RUN[i]=$(dap_absolute "$DAP_RUN_FOLDER")
  DAP_X_LOGS[i]=${DAP_X_RUN[i]}/logs
  DAP_X_INIT[i]=$(dap_config_value "$resolved" finetune.init_adapter)
  DAP_X_SCOPE[i]=${scope:-finetune}
  DAP_X_SEEDS[i]=$seeds
  DAP_X_READS[i]=$reads
}

# dap_submit_preprocess: every added experiment's preprocess job, once they all resolved
# and every teacher comes before the experiments that train on its predictions.
dap_submit_preprocess() {
  local i j words
  for i in "${!DAP_X_ARGS[@]}"; do
    for ((j = i + 1; j < ${#DAP_X_RUN[@]}; j++)); do
      if [[ -n ${DAP_X_READS[i]} && ${DAP_X_READS[i]} == "${DAP_X_RUN[j]}"/* ]]; then
        echo "sweep: ${DAP_X_NAME[i]} trains on the predictions of ${DAP_X_NAME[j]}; put that experiment first" >&2
        return 2
      fi
    done
  done
  for i in "${!DAP_X_ARGS[@]}"; do
    mapfile -t words <<<"${DAP_X_ARGS[i]}"
    if ((!DAP_DRY_RUN)); then mkdir -p "${DAP_X_LOGS[i]}"; fi
    DAP_X_PREP[i]=$(dap_sbatch "PREPROCESS_${DAP_X_NAME[i]}" "${DAP_ALL_OPTIONS[@]}" -n "$DAP_RANKS" \
      -J "dap-preprocess-${DAP_X_NAME[i]}" -o "${DAP_X_LOGS[i]}/%x-%j.out" jobs/slurm/preprocess.sbatch "${words[@]}")
  done
}

# dap_submit_training I: experiment I's pretrain array (one task per split, or per (seed,
# split) with seed scope chain; left out when finetune.init_adapter is "none") and its
# finetune array over seeds x splits, chained with afterok. Fine-tuning also waits for every
# preprocess job of this submission (its teacher may predict on another experiment's data)
# and for the fine-tuning array of the experiment whose predictions it trains on, which must
# come earlier. Sets DAP_LAST_JOB (the finetune array's id).
dap_submit_training() {
  local i=$1 words
  mapfile -t words <<<"${DAP_X_ARGS[i]}"
  local name=${DAP_X_NAME[i]} logs=${DAP_X_LOGS[i]} scope=${DAP_X_SCOPE[i]} seeds=${DAP_X_SEEDS[i]}
  local seeds_splits=(--seeds "$seeds" --seed-scope "$scope") tasks pretrain_tasks _seeds _splits
  [[ -n $DAP_SPLIT_LIST ]] && seeds_splits+=(--splits "$DAP_SPLIT_LIST")
  IFS=, read -r -a _seeds <<<"$seeds"
  IFS=, read -r -a _splits <<<"${DAP_SPLIT_LIST:-x}"
  tasks=$((${#_seeds[@]} * ${#_splits[@]}))
  pretrain_tasks=${#_splits[@]}
  [[ $scope != chain ]] || pretrain_tasks=$tasks

  local train=("${DAP_ALL_OPTIONS[@]}" "${DAP_TRAIN_OPTIONS[@]}") after=${DAP_X_PREP[i]} j teacher=
  if [[ ${DAP_X_INIT[i]} != none ]]; then
    after=$(dap_sbatch "PRETRAIN_$name" "${train[@]}" -J "dap-pretrain-$name" -o "$logs/%x-%A_%a.out" \
      --array=0-$((pretrain_tasks - 1))$DAP_ARRAY_LIMIT --dependency=afterok:"${DAP_X_PREP[i]}" \
      jobs/slurm/pretrain.sbatch "${seeds_splits[@]}" "${words[@]}")
  fi
  for j in "${!DAP_X_PREP[@]}"; do
    ((j == i)) || after+=:${DAP_X_PREP[j]}
  done
  for ((j = 0; j < i; j++)); do
    if [[ -n ${DAP_X_READS[i]} && ${DAP_X_READS[i]} == "${DAP_X_RUN[j]}"/* ]]; then
      teacher=${DAP_X_NAME[j]}
      after+=:${DAP_X_FINETUNE[j]}
    fi
  done
  DAP_LAST_JOB=$(dap_sbatch "FINETUNE_$name" "${train[@]}" -J "dap-finetune-$name" \
    -o "$logs/%x-%A_%a.out" --array=0-$((tasks - 1))$DAP_ARRAY_LIMIT --dependency=afterok:"$after" \
    jobs/slurm/finetune.sbatch "${seeds_splits[@]}" "${words[@]}")
  DAP_X_FINETUNE[i]=$DAP_LAST_JOB
  local chain="preprocess ${DAP_X_PREP[i]}"
  [[ ${DAP_X_INIT[i]} != none ]] && chain+=", pretrain array ${after%%:*} ($pretrain_tasks task(s), seed scope $scope)"
  [[ -z $teacher ]] || chain+=", teacher $teacher"
  echo "== $name: $chain, finetune array $DAP_LAST_JOB ($tasks task(s): seeds $seeds${DAP_SPLIT_LIST:+, splits $DAP_SPLIT_LIST}); logs in $logs"
}

dap_submit_aggregate() {
  local dependency=$1 config=$2
  shift 2
  local name=${DAP_X_NAME[0]}
  DAP_LAST_JOB=$(dap_sbatch "AGGREGATE_$name" "${DAP_ALL_OPTIONS[@]}" -J "dap-evaluate-$name" \
    -o "${DAP_X_LOGS[0]}/%x-%j.out" --dependency=afterok:"$dependency" jobs/slurm/evaluate.sbatch "$config" "$@")
}
