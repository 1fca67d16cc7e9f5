#!/usr/bin/env bash
# jobs/slurm/status.sh on the one-node test cluster (which keeps no accounting, so states
# come from scontrol): a pipeline whose pretraining fails shows that stage FAILED with its
# error line and log and the stages after it CANCELLED; a small sweep submitted as a driver
# job (two experiments, 2 seeds) is summarised from the driver's log on one screen of at most
# 100 columns, everything done, with where its table is; --json gives the same for scripts;
# a jobs/local/ run is shown from its folders alone.
# Run by ctest as slurm.test_status; exit 77 = skipped.
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
T=$SLURM_TEST_DIR/work/status # removed with the cluster
mkdir -p "$T"
cd "$DAP_SOURCE_DIR"
export DAP_TINY_TASK=$T/task
/usr/bin/python3 -c "import sys; sys.path.insert(0, 'tests/python'); import synthetic_task; synthetic_task.make_task('$T/task')"
settings=("run.root=$T/runs" "preprocess.output.root=$T/data")
status() { # status FILE TARGET...: jobs/slurm/status.sh's screen, shown and kept in FILE
  local file=$1
  shift
  jobs/slurm/status.sh "$@" >"$file" 2>&1 || echo "(status.sh exited $?)" >>"$file"
  sed 's/^/       /' "$file"
}
widest() { awk '{ print length }' "$1" | sort -n | tail -1; }

echo "== a pipeline whose pretraining fails, and a sweep as a driver job"
jobs/slurm/full_pipeline.sh --sbatch "-t 15 -c 1" lua/finetune_tiny.lua "${settings[@]}" run.name=broken \
  pretrain.adapter.num_frames=3 >"$T/broken.log" 2>&1 || { cat "$T/broken.log"; exit 1; }
driver=$(sbatch --parsable -o "$T/dap-sweep-%j.out" jobs/slurm/sweep.sh --name rows --seeds 0,1 --sbatch "-t 15 -c 1" \
  lua/finetune_tiny.lua "${settings[@]}" run.name=dap :: \
  lua/finetune_tiny.lua "${settings[@]}" run.name=base finetune.init_adapter=none evaluate.result.row=baseline)
driver=${driver%%;*}
slurm_wait_job "$driver" 120 >/dev/null || true
echo "== while they run"
status "$T/early.txt" "$T/dap-sweep-$driver.out" "$T/runs/broken"

broken=$(sed -n 's/^== aggregate job \([0-9]*\);.*/\1/p' "$T/broken.log")
state=$(slurm_wait_job "$broken" 300) || true
check "the broken pipeline's aggregation was CANCELLED" same "$state" CANCELLED
echo "== the broken pipeline"
status "$T/broken.txt" "$T/runs/broken"
check "its pretraining FAILED" grep -qE '^broken +pretrain +- +1 +[0-9]+_0 +FAILED' "$T/broken.txt"
check "with the error line that names the key" grep -qE '^    .*error.*pretrain.adapter.num_frames' "$T/broken.txt"
check "and its log" grep -qE "^    log: $T/runs/broken/logs/dap-pretrain-broken-[0-9]+_0.out" "$T/broken.txt"
check "its fine-tuning CANCELLED" grep -qE '^broken +finetune +0 +1 +[0-9]+_0 +CANCELLED' "$T/broken.txt"
check "its aggregation CANCELLED" grep -qE '^broken +aggregate .* CANCELLED' "$T/broken.txt"
check "the summary" log_has "$T/broken.txt" "4 task(s): 1 done, 0 running, 0 pending, 3 failed or cancelled"

echo "== the sweep, from its driver's log"
sweep=$(sed -n 's/^== aggregate job \([0-9]*\) .*/\1/p' "$T/dap-sweep-$driver.out")
state=$(slurm_wait_job "$sweep" 600) || true
check "the sweep's aggregation COMPLETED" same "$state" COMPLETED
status "$T/sweep.txt" "$T/dap-sweep-$driver.out"
check "every task of both experiments done" log_has "$T/sweep.txt" "8 task(s): 8 done, 0 running, 0 pending, 0 failed"
check "with both fine-tuning seeds of each" same "$(grep -cE '^(dap|base) +finetune +[01] .* COMPLETED' "$T/sweep.txt")" 4
check "and where the table is" log_has "$T/sweep.txt" "table (written): $T/runs/sweeps/rows/rows.md"
check "on one screen (at most 24 lines)" test "$(wc -l <"$T/sweep.txt")" -le 24
check "of at most 100 columns" test "$(widest "$T/sweep.txt")" -le 100
check "the run root shows the same tasks" same "$(jobs/slurm/status.sh "$T/runs" | grep -c '^dap \|^base ')" 8
check "--json for scripts" /usr/bin/python3 -c '
import json, sys
out = json.load(sys.stdin)
assert out["summary"] == {"done": 8, "running": 0, "pending": 0, "failed": 0}, out["summary"]
assert out["tables"] == [sys.argv[1]], out["tables"]
assert all(t["state"] in ("COMPLETED", "DONE") for t in out["tasks"]), out["tasks"]
' "$T/runs/sweeps/rows/rows.json" < <(jobs/slurm/status.sh --json "$T/dap-sweep-$driver.out")

echo "== a jobs/local/ run: from its folders alone"
jobs/local/full_pipeline.sh lua/finetune_tiny.lua "${settings[@]}" run.name=local >"$T/local.log" 2>&1 || true
status "$T/local.txt" "$T/runs/local"
check "its tasks done" log_has "$T/local.txt" "3 task(s): 3 done, 0 running, 0 pending, 0 failed"

if ((failures > 0)); then
  for log in "$T"/dap-sweep-*.out "$T"/runs/*/logs/*.out; do show_log "$log"; done
  echo "$failures check(s) failed"
  exit 1
fi
echo "all checks passed"
