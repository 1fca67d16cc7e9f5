#!/usr/bin/env bash
# Installs the Debian 12 packages dap needs. Idempotent: when every package is
# already present it only runs one dpkg query and exits.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config git ca-certificates curl
  libtorch-dev libopenblas0-pthread
  libopenmpi-dev openmpi-bin
  libhdf5-dev hdf5-tools libdeflate-dev
  libavformat-dev libavcodec-dev libswscale-dev libavutil-dev ffmpeg
  liblua5.4-dev
  libgtest-dev libbenchmark-dev libcli11-dev libspdlog-dev nlohmann-json3-dev
  libpng-dev libssl-dev zlib1g-dev libfreetype-dev fonts-dejavu-core
  slurm-wlm slurm-wlm-basic-plugins munge iproute2
  libicu-dev
  python3-torch python3-h5py python3-numpy python3-pil python3-regex python3-venv python3-setuptools
  chromium  # headless, for py.test_report_html (the HTML report in a real browser)
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
  echo "install_deps: all ${#packages[@]} packages present"
  exit 0
fi

echo "install_deps: installing ${#missing[@]} packages: ${missing[*]}"
SUDO=""
[[ $(id -u) -eq 0 ]] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
