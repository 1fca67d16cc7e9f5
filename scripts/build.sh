#!/usr/bin/env bash
# Installs what is missing (Debian packages, assets) and builds dap into build/.
# Incremental: a second run only rebuilds what changed.
#
#   bash scripts/build.sh              Debian 12 with root: installs packages, then builds
#   bash scripts/build.sh --no-install no root (a cluster): installs nothing; CMake names every
#                                      library it cannot find. Point it at libraries with
#                                      CMAKE_PREFIX_PATH (e.g. after 'module load') and at a
#                                      downloaded libtorch with Torch_DIR=<libtorch>/share/cmake/Torch.
#   bash scripts/build.sh --no-install --configure-only   only check that CMake finds everything
# Environment: DAP_BUILD_DIR (default build/), DAP_NO_INSTALL=1 (= --no-install),
# Torch_DIR, CMAKE_PREFIX_PATH, DAP_CMAKE_ARGS (extra cmake arguments, e.g. -DDAP_WITH_NCCL=ON).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
install=1 configure_only=0
[[ ${DAP_NO_INSTALL:-0} == 1 ]] && install=0
for arg in "$@"; do
  case $arg in
    --no-install) install=0 ;;
    --configure-only) configure_only=1 ;;
    *) echo "build.sh: unknown option '$arg' (--no-install, --configure-only)" >&2; exit 2 ;;
  esac
done
if ((install)); then
  bash scripts/install_deps.sh
else
  for tool in cmake c++ pkg-config; do
    command -v "$tool" >/dev/null || echo "build.sh: '$tool' is not on PATH (load its module first)" >&2
  done
fi
export DAP_ASSET_MIRROR="${DAP_ASSET_MIRROR:-$repo/../shared/assets}"
bash scripts/fetch_assets.sh
build="${DAP_BUILD_DIR:-$repo/build}"
if ((configure_only)) || [[ ! -f "$build/build.ninja" && ! -f "$build/Makefile" ]]; then
  generator=(-G Ninja)
  command -v ninja >/dev/null || generator=(-G "Unix Makefiles")
  # shellcheck disable=SC2206  # extra cmake arguments are split into words on purpose
  args=(${DAP_CMAKE_ARGS:-})
  [[ -z ${Torch_DIR:-} ]] || args+=("-DTorch_DIR:PATH=$Torch_DIR")
  cmake -S "$repo" -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo "${args[@]}"
fi
((configure_only)) || cmake --build "$build" -j "$(nproc)"
