#!/usr/bin/env bash
# dap preprocessing stage on this machine, without Slurm: the same run as
# jobs/slurm/preprocess.sbatch, started with mpirun from the repository root (paths in the
# config and in overrides are relative to it).
#
# Usage:
#   jobs/local/preprocess.sh [-n RANKS] CONFIG [key.path=value ...]
#   jobs/local/preprocess.sh -n 2 lua/preprocess_demo.lua preprocess.sampling.num_frames=16
# Environment:
#   DAP_BUILD_DIR   build folder holding bin/dap-preprocess (default: <repo>/build)
set -euo pipefail

usage="usage: jobs/local/preprocess.sh [-n RANKS] CONFIG [key.path=value ...]"
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

ranks=1
while getopts ":n:h" opt; do
  case $opt in
    n) ranks=$OPTARG ;;
    h)
      echo "$usage"
      exit 0
      ;;
    :)
      echo "preprocess.sh: -$OPTARG needs a value. $usage" >&2
      exit 2
      ;;
    *)
      echo "preprocess.sh: unknown option -$OPTARG. $usage" >&2
      exit 2
      ;;
  esac
done
shift $((OPTIND - 1))
if [[ ! $ranks =~ ^[1-9][0-9]*$ ]]; then
  echo "preprocess.sh: -n wants a positive number of ranks, not '$ranks'" >&2
  exit 2
fi
if (($# < 1)); then
  echo "preprocess.sh: no config given. $usage" >&2
  exit 2
fi
config=$1
shift
# A config named relative to the current directory keeps working after the cd below.
if [[ $config != /* && ! -e $repo/$config && -e $config ]]; then config=$(realpath "$config"); fi

bin=${DAP_BUILD_DIR:-$repo/build}/bin/dap-preprocess
if [[ ! -x $bin ]]; then
  echo "preprocess.sh: $bin not found. Build it first (bash scripts/build.sh), or point" \
    "DAP_BUILD_DIR at the build folder." >&2
  exit 2
fi
bin=$(realpath "$bin")

# ---- threads: one per rank (the ranks share the cores; more threads oversubscribe them).
export OMP_NUM_THREADS=1
export OPENBLAS_NUM_THREADS=1
export MKL_NUM_THREADS=1

cd "$repo"
echo "== in $repo: mpirun -np $ranks $bin --config $config $*"
exec mpirun --allow-run-as-root --oversubscribe -np "$ranks" "$bin" --config "$config" "$@"
