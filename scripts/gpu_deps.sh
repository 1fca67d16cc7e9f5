#!/usr/bin/env bash
# Makes .gpu_deps/: the libraries a training-only build of dap needs (OpenMPI, HDF5, Lua,
# spdlog/fmt, CLI11, nlohmann-json, libpng, FreeType, ICU, GoogleTest), as Debian 12
# packages downloaded with apt-get and unpacked with dpkg -x, never installed. Carry the
# folder to a GPU machine that lacks them (scripts/gpu_check.sh points CMake, pkg-config,
# the loader and Open MPI at it). libc, libstdc++, zlib, OpenSSL and curl are taken from the
# GPU machine itself; its glibc must be at least Debian 12's 2.36.
#
#   scripts/gpu_deps.sh [FOLDER]      (default .gpu_deps; needs apt-get, no root)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
dest="${1:-$repo/.gpu_deps}"
packages=(
  libopenmpi-dev libopenmpi3 openmpi-bin openmpi-common libevent-core-2.1-7 libevent-pthreads-2.1-7
  libhwloc15 libpmix2 libfabric1 libibverbs1 librdmacm1 libnl-3-200 libnl-route-3-200 libpsm2-2
  libpsm-infinipath1 libucx0 libltdl7 libnuma1
  libhdf5-dev libhdf5-103-1 libhdf5-hl-100 libsz2 libaec0 libdeflate-dev libdeflate0
  liblua5.4-dev liblua5.4-0
  libspdlog-dev libspdlog1.10 libfmt-dev libfmt9 libcli11-dev nlohmann-json3-dev
  libpng-dev libpng16-16 libfreetype-dev libfreetype6 libbrotli1 libbrotli-dev
  libicu-dev libicu72 libgtest-dev googletest
)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && apt-get download -qq "${packages[@]}")
rm -rf "$dest"
mkdir -p "$dest"
for deb in "$work"/*.deb; do dpkg -x "$deb" "$dest"; done
# Debian's dev symlinks are absolute (/usr/lib/...); the pkg-config files name /usr.
find "$dest" -type l -lname '/*' | while read -r link; do
  ln -sfn "$dest$(readlink "$link")" "$link"
done
find "$dest" -name '*.pc' -exec sed -i "s|^prefix=/usr|prefix=$dest/usr|" {} +
# Shared libraries only (the carry is small: 64 MiB in the device tool), no documentation.
find "$dest" -name '*.a' ! -name 'libgtest*' ! -name 'libgmock*' -delete
rm -rf "$dest/usr/share/doc" "$dest/usr/share/man" "$dest/usr/share/lintian" "$dest/usr/src"
echo "gpu_deps: ${#packages[@]} packages unpacked in $dest ($(du -sh "$dest" | cut -f1))"
