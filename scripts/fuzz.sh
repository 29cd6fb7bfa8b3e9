#!/bin/bash
# Fuzzes the HTTP/1.1 parser (requests and responses) with libFuzzer for a bounded time.
#   scripts/fuzz.sh [SECONDS]     (default 60; CI runs it as is)
# Builds build-fuzz with clang 14 (-fsanitize=fuzzer,address,undefined), then runs
# tests/fuzz/fuzz_http starting from the seed corpus kept in tests/fuzz/corpus/http. New
# inputs go to build-fuzz/corpus (add the interesting ones to the repository by hand); a
# crash leaves its input in build-fuzz/ and fails the script.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}

scripts/setup.sh
missing=()
for p in clang-14 libclang-rt-14-dev; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

opts=(-Dbuildtype=debugoptimized -Db_sanitize=address,undefined -Db_lundef=false -Dfuzzing=true
      -Dtests=disabled -Dbenchmarks=disabled -Dexamples=disabled)
if [ ! -d build-fuzz/meson-private ]; then
  CXX=clang++-14 CC=clang-14 meson setup build-fuzz "${opts[@]}" >/dev/null
elif ! meson setup --reconfigure build-fuzz "${opts[@]}" >/dev/null 2>&1; then
  CXX=clang++-14 CC=clang-14 meson setup --wipe build-fuzz "${opts[@]}" >/dev/null  # options changed type
fi
ninja -C build-fuzz -j"$(nproc)" tests/fuzz/fuzz_http >/dev/null
mkdir -p build-fuzz/corpus
cd build-fuzz
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ./tests/fuzz/fuzz_http -max_total_time="$secs" -timeout=10 \
  -max_len=4096 -print_final_stats=1 corpus ../tests/fuzz/corpus/http
