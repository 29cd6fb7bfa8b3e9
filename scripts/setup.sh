#!/bin/bash
# Installs weft's build and test dependencies from Debian 12 packages.
# Idempotent: when everything is present it only checks and returns in well under a second.
# Usage: scripts/setup.sh [--peers]   (--peers also installs what ../shared/peers needs)
set -euo pipefail

packages=(
  build-essential g++ meson ninja-build pkg-config ccache cmake doxygen
  libtbb-dev libfmt-dev libspdlog-dev liburing-dev
  libgtest-dev libgmock-dev libbenchmark-dev relacy-dev
  libtomlplusplus-dev libcli11-dev nlohmann-json3-dev
  libhttp-parser-dev libssl-dev
  openssl curl nginx python3 wrk
  python3-prometheus-client python3-matplotlib
)
if [ "${1:-}" = "--peers" ]; then
  # linux-perf: benchmarks/echo_budget.sh counts syscalls and io_uring events with perf stat.
  packages+=(cargo librust-tokio-dev librust-hyper-dev golang-go libasio-dev
             python3-uvloop python3-aiohttp nginx wrk nghttp2-client linux-perf)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep 'install ok installed' >/dev/null || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "setup: installing ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
