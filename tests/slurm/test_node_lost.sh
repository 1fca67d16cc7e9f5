#!/usr/bin/env bash
# A node lost in the middle of `sbatch jobs/slurm/pretrain.sbatch`, on the two-node test
# cluster (tests/slurm/slurm_two_nodes.sh), one rank on each node:
# - node n2 fails: its slurmd, its slurmstepd and its rank are killed (SIGKILL) after the
#   run has written a checkpoint;
# - the rank on n1 does not wait forever in its collective: after run.stall_timeout_s it
#   ends with one line and exit 76, and the job script requeues the job;
# - n2 comes back (its spool cleared, as a reboot would leave it; slurmd started again),
#   the requeued job runs, resumes from the newest checkpoint and finishes with weights
#   bit-identical to those of an uninterrupted two-node run.
# Run by ctest as slurm.test_node_lost; exit 77 = skipped (no root, no network namespaces,
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
skip_unless_ready dap-preprocess dap-pretrain

trap slurm2_stop EXIT
slurm2_start
B=$SLURM_TEST_DIR
T=$B/work/lost # removed with the cluster
mkdir -p "$T"
cd "$DAP_SOURCE_DIR"
export DAP_TINY_TASK=$T/task
/usr/bin/python3 -c "import sys; sys.path.insert(0, 'tests/python'); import synthetic_task; synthetic_task.make_task('$T/task')"
# 1,200 steps of about 30 ms: long enough to lose a node in the middle.
settings=("run.root=$T/runs" "preprocess.output.root=$T/data" pretrain.optim.epochs=200
  pretrain.checkpoint.every_steps=50 run.stall_timeout_s=20)
spread=(-N 2 -n 2 --ntasks-per-node=1 -c 1 -t 15)

pre=$(sbatch --parsable "${spread[@]}" -o "$T/preprocess-%j.out" jobs/slurm/preprocess.sbatch lua/finetune_tiny.lua \
  "${settings[@]}")
check "the tiny task's preprocessing COMPLETED" same "$(slurm_wait_job "$pre" 300 || true)" COMPLETED

echo "== the uninterrupted run, one rank on each node"
whole=$(sbatch --parsable "${spread[@]}" -o "$T/whole-%j.out" jobs/slurm/pretrain.sbatch lua/finetune_tiny.lua \
  "${settings[@]}" run.name=whole)
check "the uninterrupted run COMPLETED" same "$(slurm_wait_job "$whole" 300 || true)" COMPLETED

echo "== the same run, and node n2 fails after its checkpoint of step 300"
job=$(sbatch --parsable "${spread[@]}" -o "$T/lost-%j.out" jobs/slurm/pretrain.sbatch lua/finetune_tiny.lua \
  "${settings[@]}" run.name=lost)
log=$T/lost-$job.out
checkpoints=$T/runs/lost/pretrain/split1/checkpoints
deadline=$(_slurm_deadline 300)
until [[ -e $checkpoints/step_000000300.pt.sha256 ]] || ! _slurm_before "$deadline"; do sleep 0.2; done
n2=$(_slurm2_ns n2)
check "a rank runs on n2" test -n "$(ip netns pids "$n2" | xargs -r ps -o comm= -p | grep dap-pretrain || true)"
# Everything of the node at once: slurmd, the job step's slurmstepd and the rank.
mapfile -t on_n2 < <(ip netns pids "$n2")
kill -KILL "${on_n2[@]}"
lost_at=$(_slurm_now)
echo "       killed n2's ${#on_n2[@]} processes (slurmd, slurmstepd, dap-pretrain)"

# The job ends (and is requeued) instead of waiting for its time limit.
ended=
deadline=$(_slurm_deadline 120)
while _slurm_before "$deadline"; do
  if grep -q "exit status 76" "$log" 2>/dev/null; then
    ended=$(_slurm_elapsed "$lost_at")
    break
  fi
  sleep 0.5
done
check "the job's ranks ended after the node was lost (in ${ended:-more than 120} s)" test -n "$ended"
check "rank 0 says what happened, in one line" log_has "$log" \
  "error: no progress from the other ranks for"
check "the job script explains exit 76" log_has "$log" "exit 76: a rank stopped answering the others"
check "the job script requeues the job" log_has "$log" "requeueing job $job to continue from its newest checkpoint"

echo "== n2 comes back: as after a reboot, without the dead step's sockets in its spool"
rm -rf "$B/spool/n2" "$B/pmix-n2" && mkdir -p "$B/spool/n2" "$B/pmix-n2"
_slurm2_in n2 unshare --uts sh -c "hostname n2 && exec slurmd -N n2 -f '$B/etc-n2/slurm.conf'" >>"$B/log/start.log" 2>&1
check "the requeued job COMPLETED" same "$(slurm_wait_job "$job" 420 || true)" COMPLETED
check "it ran a second time (restart 1)" log_has "$log" "restart 1,"
check "it resumed from a checkpoint" log_has "$log" "resuming from $checkpoints/step_000000"
same_weights() {
  /usr/bin/python3 - "$T/runs/whole/pretrain/split1/checkpoints" "$checkpoints" <<'PY'
import sys
sys.path.insert(0, "tests/python")
from dap_test_support import newest_checkpoint_state, state_difference
(a, whole), (b, lost) = (newest_checkpoint_state(folder) for folder in sys.argv[1:3])
difference = state_difference(whole, lost)
print(f"       {a.rsplit('/', 1)[1]} vs {b.rsplit('/', 1)[1]}: {difference or 'bit-identical'}")
sys.exit(0 if difference is None and a.rsplit('/', 1)[1] == b.rsplit('/', 1)[1] else 1)
PY
}
check "final weights bit-identical to the uninterrupted run" same_weights

if ((failures > 0)); then
  for f in "$T"/*.out; do show_log "$f"; done
  for f in "$B"/log/slurmctld.log "$B"/log/slurmd-*.log; do show_log "$f"; done
  echo "$failures check(s) failed"
  exit 1
fi
echo "all checks passed"
