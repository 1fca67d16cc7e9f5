#!/usr/bin/env bash
# The demo command: installs and builds what is missing, then runs the part of
# the pipeline that exists today (dap-preprocess on the bundled real clips,
# 2 MPI ranks) and shows the resulting shard index. Later stages join as they
# are built (see the issues in README.md).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
bash "$repo/scripts/build.sh"
cd "$repo"
echo "== dap demo: only preprocessing exists so far; running it on assets/videos/real with 2 ranks =="
export DAP_BUILD_DIR="${DAP_BUILD_DIR:-$repo/build}"
bash jobs/local/preprocess.sh -n 2 lua/preprocess_demo.lua "$@"
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
