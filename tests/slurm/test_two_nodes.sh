#!/usr/bin/env bash
# dap on two Slurm nodes (tests/slurm/slurm_two_nodes.sh: each node a network namespace of
# this machine; MPI between them over TCP across the namespaces' bridge, as between hosts):
# - dap-preprocess with one rank per node: both ranks take videos from the one-sided work
#   counter that lives on rank 0's node, and every video is stored exactly once;
# - dap-pretrain with one rank per node logs the losses of the 2-rank run on one node
#   (fp32 tolerance), and each rank's node-local rank (it picks the rank's GPU) is right;
# - `sbatch jobs/slurm/full_pipeline.sh` with every stage spread over both nodes ends in
#   the table.
# Run by ctest as slurm.test_two_nodes; exit 77 = skipped (no root, no network namespaces,
# no Slurm).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/slurm/slurm_two_nodes.sh
source "$here/slurm_two_nodes.sh"
DAP_SOURCE_DIR=${DAP_SOURCE_DIR:-$(cd "$here/../.." && pwd)}
DAP_BUILD_DIR=${DAP_BUILD_DIR:-$DAP_SOURCE_DIR/build}
export DAP_BUILD_DIR DAP_SOURCE_DIR
assets=${DAP_ASSETS_DIR:-$DAP_SOURCE_DIR/assets}
source "$here/check.sh"
skip_unless_ready dap-preprocess dap-pretrain dap-finetune dap-evaluate

trap slurm2_stop EXIT
slurm2_start
T=$SLURM_TEST_DIR/work/two # removed with the cluster
mkdir -p "$T"
cd "$DAP_SOURCE_DIR"
export DAP_TINY_TASK=$T/task
/usr/bin/python3 -c "import sys; sys.path.insert(0, 'tests/python'); import synthetic_task; synthetic_task.make_task('$T/task')"
settings=("run.root=$T/runs" "preprocess.output.root=$T/data")
spread=(-N 2 -n 2 --ntasks-per-node=1 -c 1 -t 15)

echo "== dap-preprocess, one rank on each node (frames large enough that each video takes a while)"
heavy=(preprocess.output.dir="$T/heavy" preprocess.resize.height=128 preprocess.resize.width=128
  preprocess.sampling.num_frames=16)
pre=$(sbatch --parsable "${spread[@]}" -o "$T/preprocess-%j.out" jobs/slurm/preprocess.sbatch lua/finetune_tiny.lua \
  "${settings[@]}" "${heavy[@]}")
state=$(slurm_wait_job "$pre" 300) || true
log=$T/preprocess-$pre.out
check "the job COMPLETED" same "$state" COMPLETED
check "on both nodes" log_has "$log" "on n[1-2]"
check "its ranks started by srun (PMIx)" log_has "$log" "rank(s) via srun"
claimed() { sed -n "s/.*\[rank $1\/2\].*rank finished: \([0-9]*\) video(s) claimed.*/\1/p" "$log"; }
check "rank 0 (n1) claimed videos" test "$(claimed 0)" -gt 0
check "rank 1 (n2) claimed videos through the counter on n1" test "$(claimed 1)" -gt 0
check_stored_once() {
  /usr/bin/python3 - "$T/heavy" "$T/task/manifest.csv" <<'PY'
import json, os, sys
import h5py
folder = sys.argv[1]
ids = []
for shard in json.load(open(os.path.join(folder, "index.json")))["shards"]:
    with h5py.File(os.path.join(folder, shard["file"]), "r") as f:
        ids += list(f["video_ids"].asstr()[:])
expected = sum(1 for _ in open(sys.argv[2])) - 1
print(f"       {len(ids)} stored, {len(set(ids))} distinct, {expected} in the manifest")
sys.exit(0 if len(ids) == len(set(ids)) == expected else 1)
PY
}
check "every video stored exactly once" check_stored_once

echo "== dap-pretrain: one rank per node against two ranks on one node"
pre=$(sbatch --parsable "${spread[@]}" -o "$T/preprocess-%j.out" jobs/slurm/preprocess.sbatch lua/finetune_tiny.lua \
  "${settings[@]}")
check "the tiny task's preprocessing COMPLETED" same "$(slurm_wait_job "$pre" 300 || true)" COMPLETED
two=$(sbatch --parsable "${spread[@]}" -o "$T/two-%j.out" jobs/slurm/pretrain.sbatch lua/finetune_tiny.lua \
  "${settings[@]}" run.name=two_nodes)
one=$(sbatch --parsable -N 1 -n 2 -c 1 -t 15 -o "$T/one-%j.out" jobs/slurm/pretrain.sbatch lua/finetune_tiny.lua \
  "${settings[@]}" run.name=one_node)
check "pretraining over two nodes COMPLETED" same "$(slurm_wait_job "$two" 300 || true)" COMPLETED
check "pretraining on one node COMPLETED" same "$(slurm_wait_job "$one" 300 || true)" COMPLETED
check "the two-node run used both nodes" log_has "$T/two-$two.out" "on n[1-2]"
# The node-local rank picks each rank's GPU: 0 on each node here, 0 and 1 on one node.
check "one rank per node: both are local rank 0" log_has "$T/two-$two.out" "[rank 1/2] info: node-local rank 0 (from"
check "two ranks on one node: local ranks 0 and 1" log_has "$T/one-$one.out" "[rank 1/2] info: node-local rank 1 (from"
same_losses() {
  /usr/bin/python3 - "$T/runs/two_nodes/pretrain/split1/metrics.jsonl" "$T/runs/one_node/pretrain/split1/metrics.jsonl" <<'PY'
import json, sys
a, b = ([json.loads(l)["loss"] for l in open(p)] for p in sys.argv[1:3])
worst = max(abs(x - y) / max(abs(y), 1e-12) for x, y in zip(a, b)) if a and len(a) == len(b) else float("inf")
print(f"       {len(a)} and {len(b)} steps, largest relative loss difference {worst:.2e}")
sys.exit(0 if worst <= 1e-4 else 1)
PY
}
check "the same losses, step by step" same_losses

echo "== sbatch jobs/slurm/full_pipeline.sh, every stage over both nodes"
driver=$(sbatch --parsable -o "$T/driver-%j.out" jobs/slurm/full_pipeline.sh --ranks 2 \
  --sbatch "-t 15 -c 1 --ntasks-per-node=1" lua/finetune_tiny.lua "${settings[@]}" run.name=pipeline)
check "the driver job COMPLETED" same "$(slurm_wait_job "$driver" 120 || true)" COMPLETED
aggregate=$(sed -n 's/^== aggregate job \([0-9]*\);.*/\1/p' "$T/driver-$driver.out" 2>/dev/null)
check "the driver submitted the chain" test -n "$aggregate"
check "the aggregation COMPLETED" same "$(slurm_wait_job "${aggregate:-0}" 600 || true)" COMPLETED
check "the table has the DAP row" log_has "$T/runs/pipeline/results/results.md" "| DAP |"
check "fine-tuning ran over both nodes" log_has "$(ls "$T"/runs/pipeline/logs/dap-finetune-*.out | head -1)" "on n[1-2]"

if ((failures > 0)); then
  for f in "$T"/*.out "$T"/runs/pipeline/logs/*.out; do show_log "$f"; done
  echo "$failures check(s) failed"
  exit 1
fi
echo "all checks passed"
