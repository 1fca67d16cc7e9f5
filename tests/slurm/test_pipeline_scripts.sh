#!/usr/bin/env bash
# The pipeline scripts without a cluster:
# - jobs/slurm/full_pipeline.sh --dry-run prints the four sbatch lines of one experiment,
#   chained with afterok and --kill-on-invalid-dep=yes, the array sized seeds x splits, logs
#   in the run folder; a baseline (finetune.init_adapter = none) has no pretraining job; with
#   --seed-scope chain each (seed, split) has its own pretraining;
# - jobs/lib/slurm_stage.sh requeues a job stopped at its time limit at most DAP_MAX_REQUEUES times,
#   and explains a job that ran out of disk space (exit 74) without requeueing it;
# - jobs/slurm/sweep.sh --dry-run chains one aggregation after every experiment's array,
#   over all their run folders, and refuses two experiments with the same run folder; in a
#   source -> target chain the target's fine-tuning waits for the teacher's array and every
#   preprocess job, and a teacher listed after its student is refused before any submission;
# - jobs/local/full_pipeline.sh runs the tiny experiment end to end (2 seeds) and leaves the table.
# Run by ctest as slurm.test_pipeline_scripts; exit 77 = skipped.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
DAP_SOURCE_DIR=${DAP_SOURCE_DIR:-$(cd "$here/../.." && pwd)}
DAP_BUILD_DIR=${DAP_BUILD_DIR:-$DAP_SOURCE_DIR/build}
export DAP_BUILD_DIR DAP_SOURCE_DIR
assets=${DAP_ASSETS_DIR:-$DAP_SOURCE_DIR/assets}
source "$here/check.sh"
skip_unless_ready dap-preprocess dap-pretrain dap-finetune dap-evaluate

T=$(mktemp -d /tmp/dap-pipeline-XXXXXX)
trap 'rm -rf "$T"' EXIT
cd "$DAP_SOURCE_DIR"
export DAP_TINY_TASK=$T/task

echo "== full_pipeline.sh --dry-run"
out=$(jobs/slurm/full_pipeline.sh --dry-run --seeds 0,1,2 --splits 1,2 --ranks 2 --sbatch "-t 30" \
  lua/finetune_tiny.lua "run.root=$T/runs" 2>&1)
echo "$out" | sed 's/^/       /'
lines() { grep -c '^sbatch ' <<<"$out"; }
check "four sbatch lines" same "$(lines)" 4
check "preprocess first, with the ranks and extra options" log_has <(echo "$out") \
  "sbatch --export=ALL --chdir=$DAP_SOURCE_DIR --kill-on-invalid-dep=yes -t 30 -n 2 -J dap-preprocess-finetune_tiny"
check "pretrain after preprocess" log_has <(echo "$out") "--dependency=afterok:\$PREPROCESS_finetune_tiny jobs/slurm/pretrain.sbatch"
check "one pretraining per split (an array over the splits)" log_has <(echo "$out") \
  "--array=0-1 --dependency=afterok:\$PREPROCESS_finetune_tiny jobs/slurm/pretrain.sbatch --seeds 0,1,2 --seed-scope finetune --splits 1,2 lua/finetune_tiny.lua"
check "an array of 3 seeds x 2 splits after pretrain" log_has <(echo "$out") \
  "--array=0-5 --dependency=afterok:\$PRETRAIN_finetune_tiny jobs/slurm/finetune.sbatch --seeds 0,1,2 --seed-scope finetune --splits 1,2 lua/finetune_tiny.lua"
check "aggregation after the array" log_has <(echo "$out") "--dependency=afterok:\$FINETUNE_finetune_tiny jobs/slurm/evaluate.sbatch"
check "logs in the run folder" log_has <(echo "$out") "-o $T/runs/finetune_tiny/logs/%x-%A_%a.out"
check "where the results appear" log_has <(echo "$out") "results: $T/runs/finetune_tiny/results/results.md"

out=$(jobs/slurm/full_pipeline.sh --dry-run --seeds 0,1,2 --splits 1,2 --seed-scope chain lua/finetune_tiny.lua \
  "run.root=$T/runs" 2>&1)
check "seed scope chain: one pretraining per seed and split" log_has <(echo "$out") \
  "--array=0-5 --dependency=afterok:\$PREPROCESS_finetune_tiny jobs/slurm/pretrain.sbatch --seeds 0,1,2 --seed-scope chain --splits 1,2"
check "and the fine-tuning array knows it" log_has <(echo "$out") "jobs/slurm/finetune.sbatch --seeds 0,1,2 --seed-scope chain --splits 1,2"
source jobs/lib/seeds_splits.sh
dap_parse_seeds_splits --seeds 0,1,2 --splits 1,2 --seed-scope chain lua/finetune_tiny.lua
check "chain pretraining task 4 is seed 1 of split 2" same "$(dap_pretrain_overrides 4 | tr '\n' ' ')" \
  "finetune.seed=1 pretrain.seed=1 run.split=2 "
check "and its fine-tuning task reads that pretraining" same "$(dap_task_overrides 4 | tr '\n' ' ')" \
  "finetune.seed=1 pretrain.seed=1 run.split=2 "
check "the scope travels as an override" same "${DAP_ARGS[*]}" "lua/finetune_tiny.lua run.seed_scope=chain"
dap_parse_seeds_splits --seeds 0,1,2 --splits 1,2 lua/finetune_tiny.lua
check "seed scope finetune: pretraining task 1 is split 2 only" same "$(dap_pretrain_overrides 1)" "run.split=2"

out=$(jobs/slurm/full_pipeline.sh --dry-run --seeds 0,1,2 --array-limit 2 --mem-per-gpu 32G \
  --sbatch "-t 30 --comment='two words'" lua/finetune_tiny.lua "run.root=$T/runs" 2>&1)
check "--array-limit throttles the arrays" log_has <(echo "$out") "--array=0-2%2"
check "--mem-per-gpu reaches the training jobs" log_has <(echo "$out") "-n 1 --mem-per-gpu=32G -J dap-finetune"
check "a quoted value in --sbatch stays one word" log_has <(echo "$out") "-t 30 '--comment=two words' -n 1"
status=0
jobs/slurm/full_pipeline.sh --dry-run --sbatch "--comment='unclosed" lua/finetune_tiny.lua >/dev/null 2>"$T/quote.err" || status=$?
check "an unmatched quote is an error" same "$status" 2
check "that says so" log_has "$T/quote.err" "unmatched quote"

out=$(jobs/slurm/full_pipeline.sh --dry-run lua/finetune_tiny.lua finetune.init_adapter=none "run.root=$T/runs" 2>&1)
check "a baseline has no pretraining job" same "$(grep -c 'pretrain.sbatch' <<<"$out" || true)" 0
check "and its array follows preprocessing" log_has <(echo "$out") "--array=0-0 --dependency=afterok:\$PREPROCESS_finetune_tiny"

echo "== requeue cap of jobs/lib/slurm_stage.sh (stub srun, scontrol and stage binary)"
mkdir -p "$T/stub/bin" "$T/stub/path"
printf '#!/bin/sh\nexit 75\n' >"$T/stub/bin/dap-pretrain"  # a stage that always stops at its time limit
printf '#!/bin/sh\nwhile [ "${1#--}" != "$1" ]; do shift; done\nexec "$@"\n' >"$T/stub/path/srun"
printf '#!/bin/sh\necho "$@" >>"%s"\n' "$T/stub/scontrol.calls" >"$T/stub/path/scontrol"
chmod +x "$T/stub/bin/dap-pretrain" "$T/stub/path/srun" "$T/stub/path/scontrol"
stage() { # stage RESTART_COUNT: the stage body as a job in its RESTART_COUNT-th run would run it
  (
    export PATH=$T/stub/path:$PATH DAP_BUILD_DIR=$T/stub DAP_LAUNCHER=srun SLURM_JOB_ID=42 SLURM_NTASKS=1 \
      SLURM_RESTART_COUNT=$1 DAP_MAX_REQUEUES=3
    source jobs/lib/slurm_stage.sh
    dap_slurm_stage pretrain lua/finetune_tiny.lua
  ) >"$T/stub/stage-$1.log" 2>&1 || true
}
stage 2
check "below the cap the job requeues itself" same "$(cat "$T/stub/scontrol.calls" 2>/dev/null)" "requeue 42"
check "and counts the requeues in its log" log_has "$T/stub/stage-2.log" "(requeue 3 of at most 3)"
rm -f "$T/stub/scontrol.calls"
stage 3
check "at the cap it stops requeueing" test ! -e "$T/stub/scontrol.calls"
check "and says why" log_has "$T/stub/stage-3.log" "already requeued 3 time(s) (DAP_MAX_REQUEUES=3); not requeueing"
printf '#!/bin/sh\nexit 74\n' >"$T/stub/bin/dap-pretrain"  # a stage whose disk filled up
stage 0
check "out of disk space is not requeued" test ! -e "$T/stub/scontrol.calls"
check "and is explained in one line" log_has "$T/stub/stage-0.log" "exit 74: out of disk space or quota"

echo "== sweep.sh --dry-run"
out=$(jobs/slurm/sweep.sh --dry-run --name rows --seeds 0,1 lua/finetune_tiny.lua "run.root=$T/runs" run.name=dap :: \
  lua/finetune_tiny.lua "run.root=$T/runs" run.name=base finetune.init_adapter=none evaluate.result.row=baseline 2>&1)
echo "$out" | sed 's/^/       /'
check "6 sbatch lines (3 + 2 + aggregation)" same "$(lines)" 6
check "one aggregation after both arrays, over both runs" log_has <(echo "$out") \
  "--dependency=afterok:\$FINETUNE_dap:\$FINETUNE_base jobs/slurm/evaluate.sbatch lua/finetune_tiny.lua run.root=$T/runs run.name=dap evaluate.aggregate.runs={\"$T/runs/dap\",\"$T/runs/base\"} evaluate.aggregate.output=$T/runs/sweeps/rows evaluate.aggregate.name=rows"
status=0
jobs/slurm/sweep.sh --dry-run lua/finetune_tiny.lua :: lua/finetune_tiny.lua >/dev/null 2>"$T/same.err" || status=$?
check "two experiments in one run folder are refused" same "$status" 2
check "naming the folder" log_has "$T/same.err" "share the run folder"

echo "== sweep.sh --dry-run of a source -> target chain (Daily-DA SFVDA)"
out=$(DAP_RUN_ROOT=$T/runs jobs/slurm/sweep.sh --dry-run --seeds 0,1 --name t3 lua/dailyda_source_k600.lua :: \
  lua/dailyda_sfvda_k600.lua :: lua/dailyda_sfvda_k600_baseline.lua 2>&1)
echo "$out" | sed 's/^/       /'
check "every preprocess job comes first" same "$(grep '^sbatch' <<<"$out" | head -3 | grep -c preprocess.sbatch)" 3
check "the teacher is trained once with seed scope finetune" log_has <(echo "$out") \
  "--array=0-0 --dependency=afterok:\$PREPROCESS_dailyda_source_k600:\$PREPROCESS_dailyda_sfvda_k600:\$PREPROCESS_dailyda_sfvda_k600_baseline jobs/slurm/finetune.sbatch --seeds 0 "
check "the target waits for its pretraining, all preprocessing and the teacher" log_has <(echo "$out") \
  "--array=0-1 --dependency=afterok:\$PRETRAIN_dailyda_sfvda_k600:\$PREPROCESS_dailyda_source_k600:\$PREPROCESS_dailyda_sfvda_k600_baseline:\$FINETUNE_dailyda_source_k600 jobs/slurm/finetune.sbatch --seeds 0,1 "
check "so does the baseline" log_has <(echo "$out") "teacher dailyda_source_k600, finetune array \$FINETUNE_dailyda_sfvda_k600_baseline"
out=$(DAP_RUN_ROOT=$T/runs jobs/slurm/sweep.sh --dry-run --seeds 0,1 --seed-scope chain lua/dailyda_source_k600.lua :: \
  lua/dailyda_sfvda_k600.lua 2>&1)
check "with seed scope chain every seed has its teacher" log_has <(echo "$out") \
  "--array=0-1 --dependency=afterok:\$PREPROCESS_dailyda_source_k600:\$PREPROCESS_dailyda_sfvda_k600 jobs/slurm/finetune.sbatch --seeds 0,1 --seed-scope chain"
status=0
DAP_RUN_ROOT=$T/runs jobs/slurm/sweep.sh --dry-run lua/dailyda_sfvda_k600.lua :: lua/dailyda_source_k600.lua \
  >"$T/order.out" 2>&1 || status=$?
check "a teacher after its student is refused" same "$status" 2
check "before anything is submitted" same "$(grep -c '^sbatch' "$T/order.out" || true)" 0
check "saying which comes first" log_has "$T/order.out" "put that experiment first"

echo "== jobs/local/full_pipeline.sh (tiny, 2 seeds)"
/usr/bin/python3 -c "import sys; sys.path.insert(0, 'tests/python'); import synthetic_task; synthetic_task.make_task('$T/task')"
status=0
jobs/local/full_pipeline.sh -n 2 --seeds 0,1 lua/finetune_tiny.lua "run.root=$T/runs" "preprocess.output.root=$T/data" \
  >"$T/local.log" 2>&1 || status=$?
check "the local pipeline exits 0" same "$status" 0
check "its table aggregates both seeds" log_has "$T/runs/finetune_tiny/results/results.md" "n = 2 run(s)"
check "with the DAP row" log_has "$T/runs/finetune_tiny/results/results.md" "| DAP |"
if ((failures > 0)); then tail -50 "$T/local.log"; fi

if ((failures > 0)); then
  echo "$failures check(s) failed"
  exit 1
fi
echo "all checks passed"
