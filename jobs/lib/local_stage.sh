# The body every jobs/local/<stage>.sh shares, sourced from it:
#   dap_local_stage STAGE [-n RANKS] CONFIG [key.path=value ...]
# Runs bin/dap-STAGE with mpirun on this machine from the repository root (paths in the
# config and in overrides are relative to it); a known non-zero exit status gets one line
# saying what it means (jobs/lib/exit_codes.sh). Environment: DAP_BUILD_DIR (default
# <repo>/build).

# shellcheck source=jobs/lib/exit_codes.sh
source "$(dirname "${BASH_SOURCE[0]}")/exit_codes.sh"

dap_local_stage() {
  local stage=$1
  shift
  local usage="usage: jobs/local/$stage.sh [-n RANKS] CONFIG [key.path=value ...]"
  local repo
  repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

  local ranks=1 opt OPTIND=1
  while getopts ":n:h" opt; do
    case $opt in
      n) ranks=$OPTARG ;;
      h)
        echo "$usage"
        return 0
        ;;
      :)
        echo "$stage.sh: -$OPTARG needs a value. $usage" >&2
        return 2
        ;;
      *)
        echo "$stage.sh: unknown option -$OPTARG. $usage" >&2
        return 2
        ;;
    esac
  done
  shift $((OPTIND - 1))
  if [[ ! $ranks =~ ^[1-9][0-9]*$ ]]; then
    echo "$stage.sh: -n wants a positive number of ranks, not '$ranks'" >&2
    return 2
  fi
  if (($# < 1)); then
    echo "$stage.sh: no config given. $usage" >&2
    return 2
  fi
  local config=$1
  shift
  # A config named relative to the current directory keeps working after the cd below.
  if [[ $config != /* && ! -e $repo/$config && -e $config ]]; then config=$(realpath "$config"); fi

  local bin=${DAP_BUILD_DIR:-$repo/build}/bin/dap-$stage
  if [[ ! -x $bin ]]; then
    echo "$stage.sh: $bin not found. Build it first (bash scripts/build.sh), or point" \
      "DAP_BUILD_DIR at the build folder." >&2
    return 2
  fi
  bin=$(realpath "$bin")

  # ---- threads: one per rank (the ranks share the cores; more threads oversubscribe them).
  export OMP_NUM_THREADS=1
  export OPENBLAS_NUM_THREADS=1
  export MKL_NUM_THREADS=1

  cd "$repo"
  echo "== in $repo: mpirun --bind-to none -np $ranks $bin --config $config $*"
  # --bind-to none: Open MPI pins each rank to one core when ranks <= 2, which would make
  # the config's thread counts (pretrain.threads) useless.
  local status=0
  mpirun --allow-run-as-root --oversubscribe --bind-to none -np "$ranks" "$bin" --config "$config" "$@" || status=$?
  dap_explain_exit "$stage" "$status"
  return "$status"
}
