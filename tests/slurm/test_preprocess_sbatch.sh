#!/usr/bin/env bash
# Integration test of jobs/slurm/preprocess.sbatch on the one-node test cluster: the demo
# preprocessing run with 2 ranks must complete and leave a shard index whose shards exist;
# the same job with a misspelt config key must fail and name the key in its log.
# Run by ctest as slurm.test_preprocess_sbatch (env DAP_SOURCE_DIR, DAP_BUILD_DIR,
# DAP_ASSETS_DIR); exit 77 = skipped (no dap-preprocess, no demo videos or no Slurm).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/slurm/slurm_cluster.sh
source "$here/slurm_cluster.sh"

DAP_SOURCE_DIR=${DAP_SOURCE_DIR:-$(cd "$here/../.." && pwd)}
DAP_BUILD_DIR=${DAP_BUILD_DIR:-$DAP_SOURCE_DIR/build}
export DAP_BUILD_DIR # the job finds bin/dap-preprocess through it (--export=ALL)
assets=${DAP_ASSETS_DIR:-$DAP_SOURCE_DIR/assets}

source "$here/check.sh"
skip_unless_ready dap-preprocess

trap slurm_cluster_stop EXIT
slurm_cluster_start
T=$SLURM_TEST_DIR/work/preprocess # removed with the cluster
mkdir -p "$T"

# The job starts in the submit directory, where the config's relative paths point: the repo root.
cd "$DAP_SOURCE_DIR"
submit() { # submit NAME OVERRIDE...: the preprocessing job with 2 ranks, log in $T
  local name=$1
  shift
  sbatch --parsable --export=ALL -J "$name" -n 2 -t 15 -o "$T/%x-%j.out" \
    jobs/slurm/preprocess.sbatch lua/preprocess_demo.lua "preprocess.data.root=$assets/videos/real" "$@"
}

echo "== preprocessing job, 2 ranks, demo config"
good=$(submit dap-preprocess-ok "preprocess.output.dir=$T/shards" "run.root=$T/runs")
bad=$(submit dap-preprocess-badkey "preprocess.output.dir=$T/shards-bad" "run.root=$T/runs-bad" \
  preprocess.sampling.num_framez=3)
good_log=$T/dap-preprocess-ok-$good.out
bad_log=$T/dap-preprocess-badkey-$bad.out

good_state=$(slurm_wait_job "$good" 600) || true
check "job $good COMPLETED" same "$good_state" COMPLETED
check "index.json written" test -f "$T/shards/index.json"
check_index() {
  python3 -c '
import json, os, sys
folder = sys.argv[1]
index = json.load(open(os.path.join(folder, "index.json")))
videos, shards = index.get("num_videos", 0), index.get("shards")
print(f"       num_videos {videos}, {len(shards or [])} shard(s)")
assert isinstance(videos, int) and videos > 0, f"num_videos is {videos!r}, want > 0"
assert isinstance(shards, list) and shards, f"shards is {shards!r}, want a non-empty list"
for shard in shards:
    name = shard["file"] if isinstance(shard, dict) else shard
    assert os.path.isfile(os.path.join(folder, name)), f"shard {name} listed but missing"
' "$1"
}
check "index.json: num_videos > 0 and every listed shard exists" check_index "$T/shards"
check "log has lines of rank 0" log_has "$good_log" "[rank 0/2]"
check "log has lines of rank 1" log_has "$good_log" "[rank 1/2]"
if ((failures > 0)); then show_log "$good_log"; fi

echo "== the same job with a misspelt key (preprocess.sampling.num_framez=3)"
failures_before=$failures
bad_state=$(slurm_wait_job "$bad" 300) || true
check "job $bad FAILED" same "$bad_state" FAILED
check "its log names the key" log_has "$bad_log" num_framez
check "it wrote no index" test ! -e "$T/shards-bad/index.json"
if ((failures > failures_before)); then show_log "$bad_log"; fi

if ((failures > 0)); then
  echo "$failures check(s) failed"
  exit 1
fi
echo "all checks passed"
