#!/usr/bin/env bash
# Resubmitting jobs/slurm/full_pipeline.sh does only what is left, on the one-node test
# cluster: the tiny experiment with 2 seeds, whose seed 1 fails on purpose (a file stands
# where its fine-tuning folder goes). jobs/slurm/status.sh must show that task FAILED with
# its error line and log, and the aggregation CANCELLED. Once fixed, a resubmission must
# skip preprocessing, pretraining and seed 0 (saying why) and run only seed 1 (--array=1)
# and the aggregation; the table then holds both seeds and status shows everything done.
# Submitted again while its jobs are still queued, the pipeline submits nothing twice. A
# third submission must submit nothing (its wall time is printed). A changed fine-tuning
# setting redoes both seeds but not the pretraining; a changed pretraining setting redoes
# both; --force redoes all (dry runs).
# Run by ctest as slurm.test_resubmit; exit 77 = skipped.
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
T=$SLURM_TEST_DIR/work/resubmit # removed with the cluster
mkdir -p "$T"
cd "$DAP_SOURCE_DIR"
export DAP_TINY_TASK=$T/task
/usr/bin/python3 -c "import sys; sys.path.insert(0, 'tests/python'); import synthetic_task; synthetic_task.make_task('$T/task')"
run=$T/runs/finetune_tiny
submit() { # submit LOG [--option ...] [key=value ...]: the pipeline with 2 seeds, its output in LOG
  local log=$1 options=() overrides=()
  shift
  for word in "$@"; do
    if [[ $word == --* ]]; then options+=("$word"); else overrides+=("$word"); fi
  done
  jobs/slurm/full_pipeline.sh --seeds 0,1 --sbatch "-t 15 -c 1" "${options[@]}" lua/finetune_tiny.lua \
    "run.root=$T/runs" "preprocess.output.root=$T/data" "${overrides[@]}" >"$log" 2>&1 || {
    cat "$log"
    exit 1
  }
  sed 's/^/       /' "$log"
}
aggregate_job() { sed -n 's/^== aggregate job \([0-9]*\);.*/\1/p' "$1"; }
status() { jobs/slurm/status.sh "$run" | tee "$T/status.txt" | sed 's/^/       /'; }

echo "== 1. a pipeline whose seed 1 fails (a file where its fine-tuning folder goes)"
mkdir -p "$run/finetune"
touch "$run/finetune/split1-seed1"
submit "$T/first.log"
echo "== 1b. submitted again at once: the jobs still queued are left alone"
submit "$T/again.log"
check "no job submitted twice" bash -c '! grep -q "finetune array [0-9]\|pretrain array [0-9]\|^== aggregate job [0-9]*;" "$0"' \
  "$T/again.log"
check "it says which job it leaves a task to" \
  grep -q "wait finetune_tiny finetune seed 1 split 1: job [0-9]*_1 of an earlier submission" "$T/again.log"
state=$(slurm_wait_job "$(aggregate_job "$T/first.log")" 600) || true
check "its aggregation was CANCELLED" same "$state" CANCELLED
status
check "status: seed 0 COMPLETED" grep -qE '^finetune_tiny +finetune +0 +1 +[0-9]+_0 +COMPLETED' "$T/status.txt"
check "status: seed 1 FAILED" grep -qE '^finetune_tiny +finetune +1 +1 +[0-9]+_1 +FAILED' "$T/status.txt"
check "with its error line" grep -qiE '^    .*(error|fatal)' "$T/status.txt"
check "and its log" grep -qE "^    log: $run/logs/dap-finetune-finetune_tiny-[0-9]+_1.out" "$T/status.txt"
check "status: the aggregation CANCELLED" grep -qE '^finetune_tiny +aggregate .* CANCELLED' "$T/status.txt"
check "the summary counts them" log_has "$T/status.txt" "5 task(s): 3 done, 0 running, 0 pending, 2 failed or cancelled"

echo "== 2. fixed and resubmitted: only seed 1 and the aggregation run"
rm "$run/finetune/split1-seed1"
submit "$T/second.log"
check "preprocessing skipped, saying why" grep -q "skip finetune_tiny preprocess: .* complete and checksummed" "$T/second.log"
check "pretraining skipped" grep -q "skip finetune_tiny pretrain split 1: .*adapter.pt finished with the same settings" \
  "$T/second.log"
check "seed 0 skipped" grep -q "skip finetune_tiny finetune seed 0 split 1: .*metrics.json from the same settings" \
  "$T/second.log"
check "a fine-tuning array of seed 1 only" grep -q "finetune array [0-9]* (1 of 2 task(s)" "$T/second.log"
check "submitted as --array=1" grep -qP "^\S+\tfinetune_tiny\tfinetune\t1\t1\t1\t[0-9]+_1\t" "$run/logs/dap-jobs.tsv"
state=$(slurm_wait_job "$(aggregate_job "$T/second.log")" 600) || true
check "the aggregation COMPLETED" same "$state" COMPLETED
check "over both seeds" log_has "$run/results/results.md" "n = 2 run(s)"
status
check "status: everything done" log_has "$T/status.txt" "5 task(s): 5 done, 0 running, 0 pending, 0 failed"
check "status: where the table is" log_has "$T/status.txt" "table (written): $run/results/results.md"
check "status fits 100 columns" test "$(awk '{ print length }' "$T/status.txt" | sort -n | tail -1)" -le 100

echo "== 3. submitted once more: nothing left to do"
jobs_before=$(wc -l <"$run/logs/dap-jobs.tsv")
start=$(date +%s.%N)
submit "$T/third.log"
seconds=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
echo "       (a resubmission with nothing left to do took $seconds s)"
check "nothing submitted" bash -c '! grep -q "^sbatch\|aggregate job\|finetune array\|pretrain array" "$0"' "$T/third.log"
check "and it says so" log_has "$T/third.log" "== nothing left to do"
check "every task recorded as skipped" same "$(tail -n +"$((jobs_before + 1))" "$run/logs/dap-jobs.tsv" | cut -f7 | sort -u)" -
check "no job in the queue" same "$(squeue -h | wc -l)" 0

echo "== 4. changed settings and --force (dry runs)"
submit "$T/epochs.log" --dry-run finetune.optim.epochs=4
check "a fine-tuning setting redoes both seeds" log_has "$T/epochs.log" "--array=0-1 jobs/slurm/finetune.sbatch"
check "saying what changed" log_has "$T/epochs.log" "finetune.optim.epochs was 8, now 4"
check "but not the pretraining" same "$(grep -c 'pretrain.sbatch' "$T/epochs.log" || true)" 0
check "and the aggregation follows" log_has "$T/epochs.log" "--dependency=afterok:\$FINETUNE_finetune_tiny jobs/slurm/evaluate.sbatch"
submit "$T/pretrain.log" --dry-run pretrain.optim.epochs=3
check "a pretraining setting redoes pretraining and both seeds" \
  same "$(grep -c '^sbatch.*\(pretrain\|finetune\|evaluate\).sbatch' "$T/pretrain.log")" 3
check "the fine-tuning waits for it" log_has "$T/pretrain.log" "--array=0-1 --dependency=afterok:\$PRETRAIN_finetune_tiny"
submit "$T/force.log" --dry-run --force
check "--force redoes all four stages" same "$(grep -c '^sbatch' "$T/force.log")" 4

if ((failures > 0)); then
  for log in "$run"/logs/*.out; do show_log "$log"; done
  echo "$failures check(s) failed"
  exit 1
fi
echo "all checks passed"
