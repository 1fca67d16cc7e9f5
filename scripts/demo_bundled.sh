#!/usr/bin/env bash
# The demo command: installs and builds what is missing, then runs the part of
# the pipeline that exists today on the bundled real clips with 2 MPI ranks:
# dap-preprocess (shows the shard index), then dap-pretrain on those shards
# (shows the loss curve and where the adapter went).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
bash "$repo/scripts/build.sh"
cd "$repo"
echo "== dap demo, step 1: preprocessing assets/videos/real with 2 ranks =="
export DAP_BUILD_DIR="${DAP_BUILD_DIR:-$repo/build}"
bash jobs/local/preprocess.sh -n 2 lua/pretrain_demo.lua "$@"
index=$(ls -d out/data/demo-*/index.json | head -1)
/usr/bin/python3 - "$index" <<'PY'
import json, sys
index = json.load(open(sys.argv[1]))
print(f"\nindex: {sys.argv[1]}")
print(f"videos {index['num_videos']} / {index['manifest_videos']}, frames {index['num_frames']}, "
      f"{index['num_bytes'] / 2**20:.1f} MiB in {len(index['shards'])} shard(s), failures {index['num_failures']}")
for shard in index["shards"]:
    print(f"  {shard['file']}: {shard['videos']} videos, {shard['frames']} frames, sha256 {shard['sha256'][:16]}...")
PY

echo
echo "== dap demo, step 2: domain-adaptive pretraining on those shards with 2 ranks =="
# A finished demo run is started over rather than found complete.
bash jobs/local/pretrain.sh -n 2 lua/pretrain_demo.lua pretrain.checkpoint.resume=false "$@"
/usr/bin/python3 - runs/pretrain_demo/pretrain <<'PY'
import json, os, sys
folder = sys.argv[1]
lines = [json.loads(line) for line in open(os.path.join(folder, "metrics.jsonl"))]
print(f"\nmetrics: {folder}/metrics.jsonl ({len(lines)} steps)")
for m in lines[:: max(1, len(lines) // 5)] + lines[-1:]:
    print(f"  step {m['step']:3d} epoch {m['epoch']} loss {m['loss']:.4f} lr {m['lr']:.2e} "
          f"momentum {m['momentum']:.5f} {m['clips_per_s']:.1f} clips/s data wait {100 * m['data_wait_fraction']:.0f}%")
print(f"loss curve: {folder}/loss.png")
print(f"adapter for fine-tuning: {folder}/adapter.pt")
PY
