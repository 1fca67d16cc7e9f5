#!/usr/bin/env bash
# Builds and tests dap against libtorch 2.6 with CUDA and NCCL (Debian 13), on the CPU.
#
# Debian 12 ships libtorch 1.13 (CPU); Debian 13 "trixie", served by the same archive,
# ships libtorch 2.6 built with CUDA (contrib), NCCL 2.22 (contrib) and the CUDA toolkit
# 12.4 (non-free). This script makes (or reuses) a Debian 13 root with debootstrap,
# installs them there with the project's other dependencies, builds the whole project
# with DAP_WITH_NCCL=ON, and runs the test suite in the root. The CUDA build of libtorch
# runs on a machine without a GPU, so every test runs on the CPU.
#
#   scripts/check_libtorch2.sh            make/update the root, build, run the tests
#   scripts/check_libtorch2.sh --root     only make the root (download + install)
#   scripts/check_libtorch2.sh -R Clip    extra arguments go to ctest
#
# Environment: DAP_TRIXIE_ROOT (default /var/cache/dap/trixie-cuda) holds the root, its
# package cache, the build directory and its ccache, so a second run rebuilds only what
# changed. Needs root (debootstrap, chroot, bind mounts). The root's apt sources name only
# Debian's archive; no daemon of the root is started.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
root="${DAP_TRIXIE_ROOT:-/var/cache/dap/trixie-cuda}"
mirror="${DAP_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
only_root=0
if [[ "${1:-}" == "--root" ]]; then only_root=1; shift; fi

[[ $(id -u) -eq 0 ]] || { echo "check_libtorch2: needs root (debootstrap, chroot)" >&2; exit 2; }

packages=(
  build-essential cmake ninja-build ccache pkg-config ca-certificates git
  libtorch-cuda-dev libnccl-dev nvidia-cuda-toolkit nvidia-cuda-dev libopenblas0-pthread
  libopenmpi-dev openmpi-bin
  libhdf5-dev hdf5-tools libdeflate-dev
  libavformat-dev libavcodec-dev libswscale-dev libavutil-dev ffmpeg
  liblua5.4-dev
  libgtest-dev libbenchmark-dev libcli11-dev libspdlog-dev nlohmann-json3-dev
  libpng-dev libssl-dev zlib1g-dev libfreetype-dev fonts-dejavu-core libicu-dev
  python3-torch-cuda python3-h5py python3-numpy python3-pil python3-regex python3-venv python3-setuptools
)

stamp() { echo "check_libtorch2: $(date +%T) $*"; }

bootstrap_root() {
  if [[ ! -x "$root/usr/bin/apt-get" ]]; then
    command -v debootstrap >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap
    stamp "debootstrap trixie into $root"
    mkdir -p "$root"
    debootstrap --variant=minbase --components=main,contrib,non-free trixie "$root" "$mirror"
    printf 'deb %s trixie main contrib non-free\n' "$mirror" >"$root/etc/apt/sources.list"
    # Keep downloaded packages: a later run reinstalls nothing and downloads nothing.
    rm -f "$root/etc/apt/apt.conf.d/docker-clean"
  fi
}

install_packages() {
  local missing=() p
  for p in "${packages[@]}"; do
    [[ "$(in_root dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)" == "install ok installed" ]] ||
      missing+=("$p")
  done
  if ((${#missing[@]})); then
    stamp "installing in the root: ${missing[*]}"
    in_root apt-get update -qq
    in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" ||
      stub_cudnn
  fi
  stamp "root ready: $(in_root dpkg-query -W -f='${Version}' libtorch-cuda-dev) libtorch-cuda-dev"
}

# Debian's nvidia-cudnn package is an installer: its post-install script downloads cuDNN
# from NVIDIA, which this machine cannot reach, and libtorch-cuda needs libcudnn.so.9 to
# load. On a machine without a GPU cuDNN is never called, so the root gets a stand-in
# library that exports the same versioned symbols, each returning
# CUDNN_STATUS_NOT_INITIALIZED (1001); then the installation is completed.
stub_cudnn() {
  stamp "cuDNN cannot be downloaded: installing a stand-in libcudnn.so.9 (no GPU here, never called)"
  local stub=/opt/cudnn-stand-in
  in_root bash -c "set -euo pipefail; mkdir -p $stub; cd $stub
    for lib in /usr/lib/x86_64-linux-gnu/lib*.so.*; do
      if objdump -p \$lib 2>/dev/null | grep 'NEEDED *libcudnn.so.9' >/dev/null; then nm -D --undefined-only \$lib; fi
    done | awk '{print \$2}' | sed -n 's/@libcudnn.so.9\$//p' | sort -u >symbols
    { echo '/* stand-in: see scripts/check_libtorch2.sh */'
      while read -r name; do echo \"int \$name(void) { return 1001; }\"; done <symbols; } >stand_in.c
    printf 'libcudnn.so.9 { global: *; };\n' >version.map
    gcc -shared -fPIC -o libcudnn.so.9 -Wl,-soname,libcudnn.so.9 -Wl,--version-script=version.map stand_in.c
    echo $stub >/etc/ld.so.conf.d/cudnn-stand-in.conf; ldconfig
    printf '#!/bin/sh\nexit 0\n' >/var/lib/dpkg/info/nvidia-cudnn.postinst
    dpkg --configure -a"
  in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}"
}

mounted=()
mount_into_root() {
  local src=$1 dst="$root$2"
  mkdir -p "$dst"
  mountpoint -q "$dst" || { mount --bind "$src" "$dst"; mounted+=("$dst"); }
}
unmount_all() {
  local i
  for ((i=${#mounted[@]}-1; i>=0; i--)); do umount -l "${mounted[$i]}" || true; done
}
trap unmount_all EXIT

in_root() { chroot "$root" "$@"; }

bootstrap_root
mount_into_root /proc /proc
mount_into_root /dev /dev
mount_into_root /sys /sys
cp -L /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
install_packages
((only_root)) && exit 0

# The repository (and the assets mirror beside it) appear at the same paths in the root.
mount_into_root "$repo" /src/dap
asset_mirror="${DAP_ASSET_MIRROR:-$repo/../shared/assets}"
[[ -d "$asset_mirror" ]] && mount_into_root "$(cd "$asset_mirror" && pwd)" /src/shared/assets

stamp "build (DAP_WITH_NCCL=ON) in $root/build"
in_root env CCACHE_DIR=/ccache DAP_ASSET_MIRROR=/src/shared/assets bash -c '
  set -euo pipefail
  cd /src/dap
  bash scripts/fetch_assets.sh >/dev/null
  cmake -S . -B /build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDAP_WITH_NCCL=ON >/build.configure.log
  grep -E "^-- (dap|Torch|NCCL)" /build.configure.log || true
  # A fresh clone rebuilds everything (new file times). ccache hashes an existing
  # precompiled header into the key of the one that replaces it, so the old ones go
  # first: then every compile has the key of the last run and is a cache hit.
  find /build -name "*.gch" -delete
  ninja -C /build
'
stamp "tests (Slurm cluster tests excluded: they run on the Debian 12 host)"
in_root env OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 \
  bash -c 'cd /build && ctest --output-on-failure --timeout 900 -j "$(nproc)" -E "^slurm\." "$@"' ctest "$@"
stamp "done"
