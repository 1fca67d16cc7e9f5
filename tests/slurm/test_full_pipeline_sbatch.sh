#!/usr/bin/env bash
# jobs/slurm/full_pipeline.sh on the one-node test cluster, as a user runs it: the tiny
# experiment (synthetic colour task) with 2 seeds and 2 ranks per job, submitted with
# `sbatch jobs/slurm/full_pipeline.sh ...` (the script then runs from Slurm's spool copy
# and submits the stages); the aggregation job must complete with both seeds in the table.
# A second pipeline, started from the login node, whose pretraining stage fails (a bad
# key) must cancel its fine-tuning and aggregation jobs, and the failed stage's log must
# name the key.
# Run by ctest as slurm.test_full_pipeline_sbatch; exit 77 = skipped.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/slurm/slurm_cluster.sh
source "$here/slurm_cluster.sh"
DAP_SOURCE_DIR=${DAP_SOURCE_DIR:-$(cd "$here/../.." && pwd)}
DAP_BUILD_DIR=${DAP_BUILD_DIR:-$DAP_SOURCE_DIR/build}
export DAP_BUILD_DIR DAP_SOURCE_DIR
assets=${DAP_ASSETS_DIR:-$DAP_SOURCE_DIR/assets}
source "$here/check.sh"
skip_unless_ready dap-preprocess dap-pretrain dap-finetune dap-evaluate

trap slurm_cluster_stop EXIT
slurm_cluster_start
T=$SLURM_TEST_DIR/work/pipeline # removed with the cluster
mkdir -p "$T"
cd "$DAP_SOURCE_DIR"
export DAP_TINY_TASK=$T/task
/usr/bin/python3 -c "import sys; sys.path.insert(0, 'tests/python'); import synthetic_task; synthetic_task.make_task('$T/task')"
settings=("run.root=$T/runs" "preprocess.output.root=$T/data")

echo "== sbatch jobs/slurm/full_pipeline.sh --seeds 0,1 --ranks 2 (as the usage line says)"
driver=$(sbatch --parsable jobs/slurm/full_pipeline.sh --seeds 0,1 --ranks 2 --sbatch "-t 15 -c 1" \
  lua/finetune_tiny.lua "${settings[@]}")
driver=${driver%%;*}
state=$(slurm_wait_job "$driver" 120) || true
driver_log=$DAP_SOURCE_DIR/dap-pipeline-$driver.out
[[ -f $driver_log ]] && mv "$driver_log" "$T/submit.log"
check "the driver job (run from Slurm's spool copy) COMPLETED" same "$state" COMPLETED
aggregate=$(sed -n 's/^== aggregate job \([0-9]*\);.*/\1/p' "$T/submit.log" 2>/dev/null)
check "its log printed the aggregation job id" test -n "$aggregate"
echo "== sbatch jobs/slurm/sweep.sh --dry-run (the sweep's driver from the spool copy too)"
sweep=$(sbatch --parsable -o "$T/sweep-%j.out" jobs/slurm/sweep.sh --dry-run --name rows lua/finetune_tiny.lua \
  "${settings[@]}" run.name=a :: lua/finetune_tiny.lua "${settings[@]}" run.name=b)
state=$(slurm_wait_job "${sweep%%;*}" 120) || true
check "the sweep's driver job COMPLETED" same "$state" COMPLETED
check "and planned one aggregation over both runs" log_has "$T/sweep-${sweep%%;*}.out" "over 2 experiment(s)"
echo "== a pipeline whose pretraining fails (submitted from the login node)"
jobs/slurm/full_pipeline.sh --ranks 2 --sbatch "-t 15 -c 1" lua/finetune_tiny.lua "${settings[@]}" run.name=broken \
  pretrain.adapter.num_frames=3 | tee "$T/broken.log"
broken=$(sed -n 's/^== aggregate job \([0-9]*\);.*/\1/p' "$T/broken.log")
broken_pretrain=$(sed -n 's/.*pretrain array \([0-9]*\) .*/\1/p' "$T/broken.log")

state=$(slurm_wait_job "$aggregate" 600) || true
check "the aggregation job COMPLETED" same "$state" COMPLETED
results=$T/runs/finetune_tiny/results/results.md
check "the table has the DAP row" log_has "$results" "| DAP |"
check "over both seeds" log_has "$results" "n = 2 run(s)"
state=$(slurm_wait_job "$broken_pretrain" 300) || true
check "the broken pretraining FAILED" same "$state" FAILED
check "its log names the key" log_has "$(ls "$T"/runs/broken/logs/dap-pretrain-broken-*.out)" "pretrain.adapter.num_frames"
state=$(slurm_wait_job "$broken" 120) || true
check "its aggregation was cancelled, not left pending" same "$state" CANCELLED
if ((failures > 0)); then
  for log in "$T"/submit.log "$T"/runs/*/logs/*.out; do show_log "$log"; done
  echo "$failures check(s) failed"
  exit 1
fi
echo "all checks passed"
