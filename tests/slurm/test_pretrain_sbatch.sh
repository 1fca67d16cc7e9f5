#!/usr/bin/env bash
# Integration test of jobs/slurm/pretrain.sbatch on the one-node test cluster:
# preprocess.sbatch -> (afterok) pretrain.sbatch, both with 2 ranks, on the tiny config.
# While pretraining runs, the batch script gets SIGUSR1 (what --signal=B:USR1@N sends before
# the time limit): the ranks must checkpoint and exit 75, the job must requeue itself, resume
# from the checkpoint and complete, logging every step exactly once.
# Run by ctest as slurm.test_pretrain_sbatch; exit 77 = skipped.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/slurm/slurm_cluster.sh
source "$here/slurm_cluster.sh"

DAP_SOURCE_DIR=${DAP_SOURCE_DIR:-$(cd "$here/../.." && pwd)}
DAP_BUILD_DIR=${DAP_BUILD_DIR:-$DAP_SOURCE_DIR/build}
export DAP_BUILD_DIR DAP_SOURCE_DIR # the jobs find bin/ and jobs/lib through them (--export=ALL)
assets=${DAP_ASSETS_DIR:-$DAP_SOURCE_DIR/assets}

source "$here/check.sh"
skip_unless_ready dap-preprocess dap-pretrain

trap slurm_cluster_stop EXIT
slurm_cluster_start
T=$SLURM_TEST_DIR/work/pretrain # removed with the cluster
mkdir -p "$T"
cd "$DAP_SOURCE_DIR"

# Long enough to be interrupted: 11 clips, 2 steps per epoch.
settings=("preprocess.data.root=$assets/videos/real" "preprocess.output.root=$T/data" "run.root=$T/runs"
  pretrain.optim.epochs=150 pretrain.checkpoint.every_steps=10 pretrain.log_every_steps=10)

echo "== preprocess (2 ranks) -> afterok -> pretrain (2 ranks)"
prep=$(sbatch --parsable --export=ALL -J dap-prep -n 2 -t 15 -o "$T/%x-%j.out" \
  jobs/slurm/preprocess.sbatch lua/pretrain_tiny.lua "${settings[@]}")
train=$(sbatch --parsable --export=ALL -J dap-train -n 2 -c 1 -t 15 -o "$T/%x-%j.out" \
  --dependency=afterok:"$prep" --kill-on-invalid-dep=yes \
  jobs/slurm/pretrain.sbatch lua/pretrain_tiny.lua "${settings[@]}")
train_log=$T/dap-train-$train.out
checkpoints=$T/runs/pretrain_tiny/pretrain/checkpoints

# Wait for the first checkpoint, then send the pre-timeout signal to the batch script.
deadline=$((SECONDS + 300))
until compgen -G "$checkpoints/step_*.pt" >/dev/null || ((SECONDS > deadline)); do sleep 0.2; done
check "pretraining wrote a checkpoint" compgen -G "$checkpoints/step_*.pt"
scancel --batch --signal=USR1 "$train"

state=$(slurm_wait_job "$train" 600) || true
check "job $train COMPLETED after its requeue" same "$state" COMPLETED
check "the ranks checkpointed on the signal" log_has "$train_log" "stop signal received"
check "the job requeued itself" log_has "$train_log" "requeueing job $train"
check "the requeued run started as restart 1" log_has "$train_log" "restart 1"
check "it resumed from the checkpoint" log_has "$train_log" "resuming from"
check "the adapter was written" test -f "$T/runs/pretrain_tiny/pretrain/adapter.pt"
steps_once() {
  python3 -c '
import json, sys
steps = [json.loads(line)["step"] for line in open(sys.argv[1])]
print(f"       {len(steps)} metrics lines, last step {steps[-1]}")
assert steps[-1] == 300, steps[-1]
assert len(steps) == len(set(steps)) and steps == sorted(steps), "a step is logged twice or out of order"
' "$1"
}
check "metrics.jsonl logs every step once up to 300" steps_once "$T/runs/pretrain_tiny/pretrain/metrics.jsonl"
if ((failures > 0)); then show_log "$T/dap-prep-$prep.out"; show_log "$train_log"; fi

if ((failures > 0)); then
  echo "$failures check(s) failed"
  exit 1
fi
echo "all checks passed"
