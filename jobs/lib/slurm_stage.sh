# The body every jobs/slurm/<stage>.sbatch shares, sourced from it:
#   source "${DAP_SOURCE_DIR:-$SLURM_SUBMIT_DIR}/jobs/lib/slurm_stage.sh"
#   dap_slurm_stage STAGE CONFIG [key.path=value ...]
# It checks it runs under Slurm, finds bin/dap-STAGE, pins threads, launches one
# MPI rank per task and, when the stage exits 75 (checkpoint saved after SIGUSR1 /
# SIGTERM, see jobs/slurm/pretrain.sbatch), requeues the job so it continues.
# Any other known non-zero status gets one line saying what it means (jobs/lib/exit_codes.sh:
# 74, out of disk space, is not requeued). Environment: DAP_BUILD_DIR (default $SLURM_SUBMIT_DIR/build); DAP_LAUNCHER: auto
# (default: srun --mpi=pmix where Slurm has the PMIx plugin, else mpirun), srun or
# mpirun; DAP_OVERSUBSCRIBE=1 lets mpirun start more ranks than allocated cores (off:
# it would hide a wrong allocation); DAP_THREADS_PER_RANK (default $SLURM_CPUS_PER_TASK
# or 1); DAP_MAX_REQUEUES (default 10): automatic requeues after which a job that keeps
# stopping at its time limit fails instead (exit 75 kept).

# shellcheck source=jobs/lib/exit_codes.sh
source "$(dirname "${BASH_SOURCE[0]}")/exit_codes.sh"

dap_slurm_stage() {
  local stage=$1
  shift
  local usage="sbatch jobs/slurm/$stage.sbatch CONFIG [key.path=value ...]"
  if [[ -z ${SLURM_JOB_ID:-} ]]; then
    {
      echo "$stage.sbatch: not running under Slurm (SLURM_JOB_ID is not set)."
      echo "  submit it:      $usage"
      echo "  or run locally: jobs/local/$stage.sh [-n RANKS] CONFIG [key.path=value ...]"
    } >&2
    return 2
  fi
  if (($# < 1)); then
    echo "$stage.sbatch: no config given. usage: $usage" >&2
    return 2
  fi
  local config=$1
  shift

  local bin=${DAP_BUILD_DIR:-$SLURM_SUBMIT_DIR/build}/bin/dap-$stage
  if [[ ! -x $bin ]]; then
    echo "$stage.sbatch: $bin not found. Build it first (bash scripts/build.sh), or point" \
      "DAP_BUILD_DIR at the build folder and submit with --export=ALL." >&2
    return 2
  fi

  # ---- threads: the ranks fill the allocated cores; OpenMP or BLAS threads on top of
  # them would oversubscribe the cores. Stages take their own counts from the config.
  export OMP_NUM_THREADS=${DAP_THREADS_PER_RANK:-${SLURM_CPUS_PER_TASK:-1}}
  export OPENBLAS_NUM_THREADS=1
  export MKL_NUM_THREADS=1

  # ---- launcher: one MPI rank per Slurm task, on the nodes Slurm allocated. srun
  # needs the PMIx plugin (srun --mpi=list) and, since Slurm 22.05, the task's CPUs
  # given again. mpirun inside the allocation reads tasks and nodes from Slurm;
  # --bind-to none: Open MPI would pin each rank to one core when ranks <= 2, so the
  # threads a rank is given (--cpus-per-task, pretrain.threads) could not run.
  local launch launcher=${DAP_LAUNCHER:-auto}
  if [[ $launcher == auto ]]; then
    launcher=mpirun
    srun --mpi=list 2>&1 | grep -qw pmix && launcher=srun
  fi
  case $launcher in
    srun) launch=(srun --mpi=pmix --ntasks="$SLURM_NTASKS" --cpus-per-task="${SLURM_CPUS_PER_TASK:-1}"
      --kill-on-bad-exit=1) ;;
    mpirun)
      launch=(mpirun --bind-to none -np "$SLURM_NTASKS")
      ((EUID != 0)) || launch+=(--allow-run-as-root)
      [[ ${DAP_OVERSUBSCRIBE:-0} != 1 ]] || launch+=(--oversubscribe)
      ;;
    *)
      echo "$stage.sbatch: DAP_LAUNCHER must be auto, srun or mpirun, not '$DAP_LAUNCHER'" >&2
      return 2
      ;;
  esac

  echo "== dap-$stage: job $SLURM_JOB_ID on ${SLURM_JOB_NODELIST:-?}," \
    "$SLURM_NTASKS rank(s) via $launcher, restart ${SLURM_RESTART_COUNT:-0}, started $(date '+%F %T')"
  echo "== in $PWD: ${launch[*]} $bin --config $config $*"

  # ---- signals: Slurm's warning (--signal=B:USR1@...) and SIGTERM reach this shell;
  # they are passed on to the ranks as SIGUSR1 (mpirun forwards it, while SIGTERM
  # would make mpirun kill them), and the ranks save a checkpoint and exit 75.
  local pid status=0
  "${launch[@]}" "$bin" --config "$config" "$@" &
  pid=$!
  trap 'echo "== dap-$stage: signal received, asking the ranks to checkpoint"; kill -USR1 $pid 2>/dev/null' USR1 TERM
  while true; do
    status=0
    wait "$pid" || status=$?
    # wait returns early (status > 128) when a trapped signal arrives; keep waiting.
    if ((status > 128)) && kill -0 "$pid" 2>/dev/null; then continue; fi
    break
  done
  trap - USR1 TERM

  echo "== dap-$stage: job $SLURM_JOB_ID finished $(date '+%F %T') with exit status $status"
  dap_explain_exit "$stage" "$status"
  # 75: checkpointed before the time limit; 76: a rank was lost (its node failed). Both continue
  # from the newest checkpoint when the job runs again; a requeued job waits for working nodes.
  if ((status == 75 || status == 76)); then
    local restarts=${SLURM_RESTART_COUNT:-0} limit=${DAP_MAX_REQUEUES:-10} why
    why="checkpoint saved before the time limit"
    ((status == 75)) || why="a rank of the job was lost"
    if ((restarts >= limit)); then
      echo "== dap-$stage: $why, but job $SLURM_JOB_ID was already requeued $restarts time(s)" \
        "(DAP_MAX_REQUEUES=$limit); not requeueing. Submit the same job again to continue." >&2
    else
      echo "== dap-$stage: $why; requeueing job $SLURM_JOB_ID to continue from its newest checkpoint" \
        "(requeue $((restarts + 1)) of at most $limit)"
      scontrol requeue "$SLURM_JOB_ID" || echo "== dap-$stage: scontrol requeue failed (submit with --requeue)" >&2
    fi
  fi
  return "$status"
}
