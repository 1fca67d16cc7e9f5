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
# dap_submit_aggregate RESULTS_JSON CONFIG [key=value ...]: the evaluate.sbatch job, after
# every fine-tuning array of this submission.
#
# Resubmitting does only what is left: each task whose outputs are complete for the same
# settings is skipped and the script says why (jobs/lib/plan_tasks.py decides, from the
# config.lua each stage writes beside its outputs: jobs/lib/run_folders.py); a skipped task
# counts as done for those after it (no dependency on it), and an array is submitted with
# only its remaining indices (--array=1,3). A task after a redone one is redone too. A task
# whose job from an earlier submission is still queued or running (squeue) is left to that
# job, never submitted twice; the tasks after it wait for it.
#   --force              redo every complete task
# Every task, submitted or skipped, is recorded in run.root/run.name/logs/dap-jobs.tsv
# (one line per task: submission, experiment, stage, index, seed, split, job, log, output,
# why), which jobs/slurm/status.sh reads.

dap_pipeline_options() {
  DAP_DRY_RUN=0 DAP_FORCE=0 DAP_RANKS=1 DAP_SEED_LIST=0 DAP_SPLIT_LIST= DAP_SBATCH_ALL= DAP_SBATCH_TRAIN= DAP_SEED_SCOPE=
  DAP_ARRAY_LIMIT= DAP_MEMORY=()
  while (($# > 0)); do
    case $1 in
      --dry-run) DAP_DRY_RUN=1; shift ;;
      --force) DAP_FORCE=1; shift ;;
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
  DAP_SUBMISSION=$(date +%Y%m%dT%H%M%S)-$$
  DAP_PLANS=$(mktemp -d "${TMPDIR:-/tmp}/dap-plan.XXXXXX")
  trap 'rm -rf "$DAP_PLANS"' EXIT
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
# their config and overrides (one per line), resolved config (a file), run folder
# (absolute), logs, preprocess job, what pretraining and seeds they need, the teacher
# predictions they read, their fine-tuning array (empty when nothing was left to do) and
# the tables' .json their aggregation writes.
DAP_X_ARGS=() DAP_X_RESOLVED=() DAP_X_NAME=() DAP_X_RUN=() DAP_X_LOGS=() DAP_X_PREP=() DAP_X_INIT=() DAP_X_SCOPE=()
DAP_X_SEEDS=() DAP_X_READS=() DAP_X_FINETUNE=() DAP_X_FINETUNE_NEW=() DAP_X_PREP_NEW=() DAP_X_RESULTS=()

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
  local i=${#DAP_X_ARGS[@]} name scope seeds=$DAP_SEED_LIST reads= results
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
  results=$(dap_config_value "$resolved" evaluate.aggregate.output)
  results=${results:-$DAP_RUN_FOLDER/results}/$(dap_config_value "$resolved" evaluate.aggregate.name).json
  DAP_X_ARGS[i]=$(printf '%s\n' "$config" "${overrides[@]}")
  DAP_X_RESOLVED[i]=$DAP_PLANS/$i.lua
  printf '%s\n' "$resolved" >"${DAP_X_RESOLVED[i]}"
  DAP_X_NAME[i]=$name
  DAP_X_RUN[i]=$(dap_absolute "$DAP_RUN_FOLDER")
  DAP_X_LOGS[i]=${DAP_X_RUN[i]}/logs
  DAP_X_INIT[i]=$(dap_config_value "$resolved" finetune.init_adapter)
  DAP_X_SCOPE[i]=${scope:-finetune}
  DAP_X_SEEDS[i]=$seeds
  DAP_X_READS[i]=$reads
  DAP_X_RESULTS[i]=$(dap_absolute "$results")
}

# dap_plan I ARGS...: jobs/lib/plan_tasks.py's lines for experiment I (STAGE INDEX
# todo|skip|wait SEED SPLIT OUTPUT JOB LOG WHY, tab-separated); with --force every complete
# task is redone.
dap_plan() {
  local i=$1 python=/usr/bin/python3 force=()
  shift
  [[ -x $python ]] || python=python3
  ((!DAP_FORCE)) || force=("--redo=asked for (--force)")
  (cd "$DAP_REPO" && "$python" jobs/lib/plan_tasks.py "$@" --jobs "${DAP_X_LOGS[i]}/dap-jobs.tsv" "${force[@]}")
}

# dap_record I STAGE INDEX SEED SPLIT JOB LOG OUTPUT WHY: one line of experiment I's
# logs/dap-jobs.tsv (not with --dry-run), for jobs/slurm/status.sh and later submissions.
dap_record() {
  ((!DAP_DRY_RUN)) || return 0
  local i=$1
  shift
  mkdir -p "${DAP_X_LOGS[i]}"
  local IFS=$'\t'
  echo "$DAP_SUBMISSION	${DAP_X_NAME[i]}	$*" >>"${DAP_X_LOGS[i]}/dap-jobs.tsv"
}

# dap_take_plan I STAGE < PLAN_LINES: the tasks of one stage; says what is skipped or left
# to a job still queued (and why a task with outputs is redone), keeps the rows in
# DAP_PLAN_ROWS for dap_record_plan, and sets DAP_TODO (the indices to run, as --array wants
# them: "0-K" when all, else "1,3"), DAP_TODO_COUNT and DAP_WAITING (the queued jobs, by
# ':', for the dependencies of the tasks after them).
dap_take_plan() {
  local i=$1 stage=$2 _stage index action seed split output job log why all=1 label
  DAP_TODO= DAP_TODO_COUNT=0 DAP_PLAN_ROWS=() DAP_WAITING=
  while IFS=$'\t' read -r _stage index action seed split output job log why; do
    [[ $_stage == "$stage" ]] || continue
    label=$stage
    [[ $seed == - ]] || label+=" seed $seed"
    [[ $split == - ]] || label+=" split $split"
    case $action in
      todo)
        DAP_TODO+=${DAP_TODO:+,}$index
        DAP_TODO_COUNT=$((DAP_TODO_COUNT + 1))
        # Why a task with outputs is redone; those with none yet ("no ...") go unlisted, so
        # that a first submission (or --force) stays short.
        [[ $why == no\ * || $why == *--force* ]] || echo "   redo ${DAP_X_NAME[i]} $label: $why"
        ;;
      wait)
        all=0
        DAP_WAITING+=${DAP_WAITING:+:}$job
        echo "   wait ${DAP_X_NAME[i]} $label: $why"
        ;;
      *)
        all=0
        echo "   skip ${DAP_X_NAME[i]} $label: $why"
        ;;
    esac
    DAP_PLAN_ROWS+=("$action	$index	$seed	$split	$output	$job	$log	$why")
  done
  if ((${#DAP_PLAN_ROWS[@]} == 0)); then # never submit nothing because the planner broke
    echo "full_pipeline: jobs/lib/plan_tasks.py planned no $stage task" >&2
    return 2
  fi
  if ((all)); then DAP_TODO=0-$((DAP_TODO_COUNT - 1)); fi
}

# dap_record_plan I STAGE JOB LOG_PATTERN: records DAP_PLAN_ROWS, the submitted ones as task
# of JOB; LOG_PATTERN has %j (job id), %A and %a (array job and task) as sbatch's -o.
dap_record_plan() {
  local i=$1 stage=$2 new=$3 pattern=$4 row action index seed split output job log why
  for row in "${DAP_PLAN_ROWS[@]}"; do
    IFS=$'\t' read -r action index seed split output job log why <<<"$row"
    case $action in
      todo)
        job=$new
        [[ $pattern != *%a* ]] || job=${new}_$index
        log=${pattern//%j/$new}
        log=${log//%A/$new}
        log=${log//%a/$index}
        why="submitted: $why"
        ;;
      wait) why="waiting: $why" ;;
      *) why="skipped: $why" ;;
    esac
    dap_record "$i" "$stage" "$index" "$seed" "$split" "$job" "$log" "$output" "$why"
  done
}

# Sets DAP_AFTER to --dependency=afterok:... on the given job ids (each may be several,
# joined by ':'), leaving out the empty ones (skipped tasks count as done): no option at all
# when none is left.
dap_after() {
  local ids=() id
  for id in "$@"; do [[ -z $id ]] || ids+=("$id"); done
  DAP_AFTER=()
  ((${#ids[@]} == 0)) || DAP_AFTER=("--dependency=afterok:$(IFS=:; echo "${ids[*]}")")
}

# "job 12", "done", "job 12 and earlier queued job(s) 9_0:9_1": how a stage of the chain
# stands, for the summary line. Usage: dap_stage_text NEW_JOB WAITING.
dap_stage_text() {
  local text=${1:+job $1}
  [[ -z $2 ]] || text+="${text:+ and }earlier queued job(s) $2"
  echo "${text:-done}"
}

# dap_submit_preprocess: every added experiment's preprocess job, once they all resolved
# and every teacher comes before the experiments that train on its predictions; none when
# its shards are complete. Sets DAP_X_PREP[i] (the jobs to wait for: this one, or one still
# queued from an earlier submission; empty when none) and DAP_X_PREP_NEW[i] (this one).
dap_submit_preprocess() {
  local i j words lines
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
    lines=$(dap_plan "$i" preprocess "${DAP_X_RESOLVED[i]}") || return 2
    dap_take_plan "$i" preprocess <<<"$lines" || return 2
    DAP_X_PREP_NEW[i]=
    if ((DAP_TODO_COUNT > 0)); then
      DAP_X_PREP_NEW[i]=$(dap_sbatch "PREPROCESS_${DAP_X_NAME[i]}" "${DAP_ALL_OPTIONS[@]}" -n "$DAP_RANKS" \
        -J "dap-preprocess-${DAP_X_NAME[i]}" -o "${DAP_X_LOGS[i]}/%x-%j.out" jobs/slurm/preprocess.sbatch "${words[@]}")
    fi
    DAP_X_PREP[i]=${DAP_X_PREP_NEW[i]:-$DAP_WAITING}
    dap_record_plan "$i" preprocess "${DAP_X_PREP_NEW[i]}" "${DAP_X_LOGS[i]}/dap-preprocess-${DAP_X_NAME[i]}-%j.out"
  done
}

# dap_submit_training I: experiment I's pretrain array (one task per split, or per (seed,
# split) with seed scope chain; left out when finetune.init_adapter is "none") and its
# finetune array over seeds x splits, chained with afterok, each with only the tasks left to
# do. Fine-tuning also waits for every preprocess job of this submission (its teacher may
# predict on another experiment's data) and for the fine-tuning array of the experiment whose
# predictions it trains on, which must come earlier; a redone teacher or preprocessing redoes
# every task after it. Tasks whose job from an earlier submission is still queued are left
# to it (the tasks after them wait for it). Sets DAP_LAST_JOB (the finetune array's id,
# empty when none is submitted), DAP_X_FINETUNE[i] (every fine-tuning job to wait for) and
# DAP_X_FINETUNE_NEW[i] (this submission's).
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

  local j teacher= teacher_jobs= redo=()
  for ((j = 0; j < i; j++)); do
    if [[ -n ${DAP_X_READS[i]} && ${DAP_X_READS[i]} == "${DAP_X_RUN[j]}"/* ]]; then
      teacher=${DAP_X_NAME[j]}
      teacher_jobs=${DAP_X_FINETUNE[j]}
      [[ -z ${DAP_X_FINETUNE_NEW[j]} ]] || redo=("--redo=its teacher $teacher is redone")
    fi
  done
  [[ -z ${DAP_X_PREP_NEW[i]} ]] || redo=("--redo=its shards are redone")
  local plan=(training "${DAP_X_RESOLVED[i]}" --seeds "$seeds" --splits "$DAP_SPLIT_LIST" --scope "$scope" "${redo[@]}")
  [[ ${DAP_X_INIT[i]} != none ]] || plan+=(--no-pretrain)
  local lines
  lines=$(dap_plan "$i" "${plan[@]}") || return 2

  local train=("${DAP_ALL_OPTIONS[@]}" "${DAP_TRAIN_OPTIONS[@]}") pretrain= pretrain_jobs= after=() chain
  chain="preprocess $(dap_stage_text "${DAP_X_PREP_NEW[i]}" "${DAP_X_PREP[i]#"${DAP_X_PREP_NEW[i]}"}")"
  if [[ ${DAP_X_INIT[i]} != none ]]; then
    dap_take_plan "$i" pretrain <<<"$lines" || return 2
    if ((DAP_TODO_COUNT > 0)); then
      dap_after "${DAP_X_PREP[i]}"
      pretrain=$(dap_sbatch "PRETRAIN_$name" "${train[@]}" -J "dap-pretrain-$name" -o "$logs/%x-%A_%a.out" \
        --array="$DAP_TODO$DAP_ARRAY_LIMIT" "${DAP_AFTER[@]}" \
        jobs/slurm/pretrain.sbatch "${seeds_splits[@]}" "${words[@]}")
      chain+=", pretrain array $pretrain ($DAP_TODO_COUNT of $pretrain_tasks task(s), seed scope $scope)"
      [[ -z $DAP_WAITING ]] || chain+=" and earlier queued job(s) $DAP_WAITING"
    else
      chain+=", pretrain $(dap_stage_text "" "$DAP_WAITING")"
    fi
    pretrain_jobs=$pretrain${DAP_WAITING:+${pretrain:+:}$DAP_WAITING}
    dap_record_plan "$i" pretrain "$pretrain" "$logs/dap-pretrain-$name-%A_%a.out"
  fi
  after=("$pretrain_jobs")
  [[ -n $pretrain_jobs ]] || after=("${DAP_X_PREP[i]}")
  for j in "${!DAP_X_PREP[@]}"; do
    ((j == i)) || after+=("${DAP_X_PREP[j]}")
  done
  after+=("$teacher_jobs")
  dap_take_plan "$i" finetune <<<"$lines" || return 2
  DAP_LAST_JOB=
  if ((DAP_TODO_COUNT > 0)); then
    dap_after "${after[@]}"
    DAP_LAST_JOB=$(dap_sbatch "FINETUNE_$name" "${train[@]}" -J "dap-finetune-$name" \
      -o "$logs/%x-%A_%a.out" --array="$DAP_TODO$DAP_ARRAY_LIMIT" "${DAP_AFTER[@]}" \
      jobs/slurm/finetune.sbatch "${seeds_splits[@]}" "${words[@]}")
  fi
  dap_record_plan "$i" finetune "$DAP_LAST_JOB" "$logs/dap-finetune-$name-%A_%a.out"
  DAP_X_FINETUNE_NEW[i]=$DAP_LAST_JOB
  DAP_X_FINETUNE[i]=$DAP_LAST_JOB${DAP_WAITING:+${DAP_LAST_JOB:+:}$DAP_WAITING}
  [[ -z $teacher ]] || chain+=", teacher $teacher"
  if [[ -n $DAP_LAST_JOB ]]; then
    chain+=", finetune array $DAP_LAST_JOB ($DAP_TODO_COUNT of $tasks task(s): seeds $seeds${DAP_SPLIT_LIST:+, splits $DAP_SPLIT_LIST})"
    [[ -z $DAP_WAITING ]] || chain+=" and earlier queued job(s) $DAP_WAITING"
  else
    chain+=", finetune $(dap_stage_text "" "$DAP_WAITING") ($tasks task(s))"
  fi
  echo "== $name: $chain; logs in $logs"
}

# dap_submit_aggregate RESULTS_JSON CONFIG [key=value ...]: the aggregation into
# RESULTS_JSON (and .md, .csv) over every experiment's run folder, after their fine-tuning
# arrays; skipped when no fine-tuning task is redone or queued and the tables are newer than
# every metrics.json. Sets DAP_LAST_JOB (empty when none is submitted), DAP_AGGREGATE_WHY and
# DAP_AGGREGATE_WAITING (the aggregation job of an earlier submission still queued).
dap_submit_aggregate() {
  local results=$1 config=$2
  shift 2
  local name=${DAP_X_NAME[0]} redo=() id lines
  for id in "${DAP_X_FINETUNE[@]}"; do [[ -z $id ]] || redo=("--redo=a fine-tuning task is redone or queued"); done
  lines=$(dap_plan 0 aggregate "$results" "${DAP_X_RUN[@]}" "${redo[@]}") || return 2
  dap_take_plan 0 aggregate <<<"$lines" || return 2
  DAP_LAST_JOB=
  if ((DAP_TODO_COUNT > 0)); then
    dap_after "${DAP_X_FINETUNE[@]}"
    DAP_LAST_JOB=$(dap_sbatch "AGGREGATE_$name" "${DAP_ALL_OPTIONS[@]}" -J "dap-evaluate-$name" \
      -o "${DAP_X_LOGS[0]}/%x-%j.out" "${DAP_AFTER[@]}" jobs/slurm/evaluate.sbatch "$config" "$@")
  fi
  DAP_AGGREGATE_WAITING=$DAP_WAITING
  dap_record_plan 0 aggregate "$DAP_LAST_JOB" "${DAP_X_LOGS[0]}/dap-evaluate-$name-%j.out"
  DAP_AGGREGATE_WHY=${DAP_PLAN_ROWS[0]##*	}
}
