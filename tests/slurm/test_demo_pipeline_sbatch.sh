#!/usr/bin/env bash
# jobs/slurm/full_pipeline.sh on the demo's configs, on the one-node test cluster, as the
# docs/SLURM.md tells a user: dap-synth writes a small version of the demo data, one pipeline
# trains the bright model (lua/demo_bright.lua: preprocess -> fine-tune -> aggregate, no
# pretraining), then a second one runs the dark-domain experiment (lua/demo.lua: no
# preprocessing job, since the shards are complete -> DAP pretraining -> fine-tuning array
# over 2 seeds -> aggregate).
# The final table must hold the "+ DAP" row over both seeds, with the mean of the seeds'
# metrics.json. Sizes are cut down (fewer clips and epochs); the configs are the demo's.
# Run by ctest as slurm.test_demo_pipeline_sbatch; exit 77 = skipped.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/slurm/slurm_cluster.sh
source "$here/slurm_cluster.sh"
DAP_SOURCE_DIR=${DAP_SOURCE_DIR:-$(cd "$here/../.." && pwd)}
DAP_BUILD_DIR=${DAP_BUILD_DIR:-$DAP_SOURCE_DIR/build}
export DAP_BUILD_DIR DAP_SOURCE_DIR
assets=${DAP_ASSETS_DIR:-$DAP_SOURCE_DIR/assets}
source "$here/check.sh"
skip_unless_ready dap-synth dap-preprocess dap-pretrain dap-finetune dap-evaluate

trap slurm_cluster_stop EXIT
slurm_cluster_start
T=$SLURM_TEST_DIR/work/demo # removed with the cluster
mkdir -p "$T"
cd "$DAP_SOURCE_DIR"
# The demo configs read these (sbatch passes the environment on to the jobs).
export DAP_DEMO_DATA=$T/demo_data DAP_RUN_ROOT=$T/runs
"$DAP_BUILD_DIR/bin/dap-synth" --out "$DAP_DEMO_DATA" --size 64 --frames 8 --train 4 --test 2
small=("preprocess.output.dir=$T/data/demo_actions" finetune.optim.epochs=2 pretrain.optim.epochs=2)
options=(--ranks 2 --sbatch "-t 15 -c 1")

wait_pipeline() { # SUBMIT_LOG NAME: waits for the pipeline's aggregation job
  local job
  job=$(sed -n 's/^== aggregate job \([0-9]*\);.*/\1/p' "$1")
  check "$2: the script printed the aggregation job id" test -n "$job"
  state=$(slurm_wait_job "$job" 600) || true
  check "$2: the aggregation job COMPLETED" same "$state" COMPLETED
}

echo "== the bright model: jobs/slurm/full_pipeline.sh lua/demo_bright.lua"
jobs/slurm/full_pipeline.sh "${options[@]}" lua/demo_bright.lua "${small[@]}" | tee "$T/bright.log"
check "no pretraining job for the bright model (init_adapter none)" bash -c '! grep -q ", pretrain " "$0"' "$T/bright.log"
wait_pipeline "$T/bright.log" bright
check "the bright model exists" test -f "$T/runs/demo_bright/finetune/seed0/model.pt"

echo "== the dark-domain experiment: jobs/slurm/full_pipeline.sh --seeds 0,1 lua/demo.lua"
jobs/slurm/full_pipeline.sh "${options[@]}" --seeds 0,1 lua/demo.lua "${small[@]}" | tee "$T/dark.log"
wait_pipeline "$T/dark.log" dark
results=$T/runs/demo_dark/results
check "the table has the DAP row" log_has "$results/results.md" "| + DAP |"
check "over both seeds" log_has "$results/results.md" "n = 2 run(s)"
check "DAP started from the bright model's adaptation block" \
  log_has "$(ls "$T"/runs/demo_dark/logs/dap-pretrain-*.out)" "adaptation block: initialised from $T/runs/demo_bright/finetune/seed0/model.pt"
check "the shards were reused, not redone (no preprocessing job)" log_has "$T/dark.log" "skip demo_dark preprocess: "
check "the table's Top-1 is the mean of the seeds' metrics.json" /usr/bin/python3 - "$results/results.json" \
  "$T"/runs/demo_dark/evaluate/seed{0,1}/metrics.json <<'PY'
import json, sys
cell = json.load(open(sys.argv[1]))["tables"]["Demo: dark domain, fully supervised"]["+ DAP"]["Top-1"]
seeds = [json.load(open(path))["top1"] for path in sys.argv[2:]]
print(f"table {cell['mean']:.4f} (n = {cell['n']}), seeds {seeds}")
sys.exit(0 if cell["n"] == 2 and abs(cell["mean"] - sum(seeds) / 2) < 1e-9 else 1)
PY
if ((failures > 0)); then
  for log in "$T"/runs/*/logs/*.out; do show_log "$log"; done
  echo "$failures check(s) failed"
  exit 1
fi
echo "all checks passed"
