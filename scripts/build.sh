#!/usr/bin/env bash
# Installs what is missing (Debian packages, assets) and builds dap into build/.
# Incremental: a second run only rebuilds what changed.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
bash scripts/install_deps.sh
export DAP_ASSET_MIRROR="${DAP_ASSET_MIRROR:-$repo/../shared/assets}"
bash scripts/fetch_assets.sh
build="${DAP_BUILD_DIR:-$repo/build}"
if [[ ! -f "$build/build.ninja" ]]; then
  cmake -S "$repo" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
fi
cmake --build "$build" -j "$(nproc)"
