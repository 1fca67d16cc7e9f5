#!/usr/bin/env bash
# Integration test of jobs/slurm/finetune.sbatch (a job array over seeds) and
# jobs/slurm/evaluate.sbatch (aggregation after the whole array) on the one-node test
# cluster, chained after preprocess.sbatch and pretrain.sbatch with afterok, on the tiny
# fine-tuning config and the synthetic colour task (tests/python/synthetic_task.py).
# A finetune.sbatch submitted without the array its seeds need fails, naming --array.
# Run by ctest as slurm.test_finetune_sbatch; exit 77 = skipped.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/slurm/slurm_cluster.sh
source "$here/slurm_cluster.sh"

DAP_SOURCE_DIR=${DAP_SOURCE_DIR:-$(cd "$here/../.." && pwd)}
DAP_BUILD_DIR=${DAP_BUILD_DIR:-$DAP_SOURCE_DIR/build}
export DAP_BUILD_DIR DAP_SOURCE_DIR # the jobs find bin/ and jobs/lib through them (--export=ALL)
assets=${DAP_ASSETS_DIR:-$DAP_SOURCE_DIR/assets}

source "$here/check.sh"
skip_unless_ready dap-preprocess dap-pretrain dap-finetune dap-evaluate

trap slurm_cluster_stop EXIT
slurm_cluster_start
T=$SLURM_TEST_DIR/work/finetune # removed with the cluster
mkdir -p "$T"
cd "$DAP_SOURCE_DIR"
export DAP_TINY_TASK=$T/task
/usr/bin/python3 -c "import sys; sys.path.insert(0, '$DAP_SOURCE_DIR/tests/python'); import synthetic_task; synthetic_task.make_task('$T/task')"

config=lua/finetune_tiny.lua
settings=("preprocess.output.root=$T/data" "run.root=$T/runs")
submit() { sbatch --parsable --export=ALL -t 15 -o "$T/%x-%j.out" "$@"; }

echo "== preprocess -> pretrain -> finetune array (2 seeds) -> evaluate (aggregate)"
prep=$(submit -J dap-prep -n 2 jobs/slurm/preprocess.sbatch "$config" "${settings[@]}")
train=$(submit -J dap-train -n 2 -c 1 --dependency=afterok:"$prep" --kill-on-invalid-dep=yes \
  jobs/slurm/pretrain.sbatch "$config" "${settings[@]}")
array=$(sbatch --parsable --export=ALL -t 15 -o "$T/%x-%A_%a.out" -J dap-ft -n 2 -c 1 --array=0-1 \
  --dependency=afterok:"$train" --kill-on-invalid-dep=yes \
  jobs/slurm/finetune.sbatch --seeds 0,1 "$config" "${settings[@]}")
eval_job=$(submit -J dap-eval --dependency=afterok:"$array" --kill-on-invalid-dep=yes \
  jobs/slurm/evaluate.sbatch "$config" "${settings[@]}")
wrong=$(submit -J dap-wrong jobs/slurm/finetune.sbatch --seeds 0,1 "$config" "${settings[@]}")

state=$(slurm_wait_job "$eval_job" 600) || true
check "the aggregation job $eval_job COMPLETED" same "$state" COMPLETED
for task in 0 1; do
  check "array task $task wrote its model" test -f "$T/runs/finetune_tiny/finetune/split1-seed$task/model.pt"
  check "array task $task evaluated it" test -f "$T/runs/finetune_tiny/evaluate/split1-seed$task/metrics.json"
done
results=$T/runs/finetune_tiny/results/results.md
check "results.md has the DAP row" log_has "$results" "| DAP |"
check "both seeds are aggregated" log_has "$results" "n = 2 run(s)"
check "the aggregation log shows the table" log_has "$T/dap-eval-$eval_job.out" "## Tiny colour task"
above_chance() {
  python3 -c '
import json, sys
for seed in (0, 1):
    top1 = json.load(open(f"{sys.argv[1]}/split1-seed{seed}/metrics.json"))["top1"]
    print(f"       seed {seed}: top-1 {top1}")
    assert top1 >= 75, top1
' "$1"
}
check "both seeds learn the task (top-1 >= 75, chance 25)" above_chance "$T/runs/finetune_tiny/evaluate"
state=$(slurm_wait_job "$wrong" 120) || true
check "finetune.sbatch without the array it needs FAILED" same "$state" FAILED
check "and says which --array it needs" log_has "$T/dap-wrong-$wrong.out" "need --array=0-1"
if ((failures > 0)); then
  for log in "$T"/*.out; do show_log "$log"; done
fi

if ((failures > 0)); then
  echo "$failures check(s) failed"
  exit 1
fi
echo "all checks passed"
