#!/bin/bash
# Checks that weft can be consumed the three documented ways, each compiling and running
# examples/hello.cpp (which includes <weft/weft.hpp>):
#   1. installed: `meson install` into a staging prefix, then pkg-config --cflags --libs weft;
#   2. as a meson subproject: dependency('weft') in a parent project;
#   3. in-tree: the examples themselves (built by the main build).
# Usage: scripts/check-consumers.sh BUILD_DIR   (an already built build directory)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$(cd "$1" && pwd)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "== installed + pkg-config"
meson install -C "$build" --destdir "$tmp/stage" >/dev/null
pc=$(find "$tmp/stage" -name weft.pc | head -n1)
[ -n "$pc" ] || { echo "weft.pc was not installed" >&2; exit 1; }
[ -n "$(find "$tmp/stage" -path '*include/weft/weft.hpp')" ] || { echo "headers were not installed" >&2; exit 1; }
# Point the staged .pc file at the staging prefix.
prefix=$(sed -n 's/^prefix=//p' "$pc")
mkdir -p "$tmp/pc" && sed "s|^prefix=.*|prefix=$tmp/stage$prefix|" "$pc" > "$tmp/pc/weft.pc"
flags=$(PKG_CONFIG_PATH="$tmp/pc" pkg-config --cflags --libs weft)
# shellcheck disable=SC2086
g++ "$root/examples/hello.cpp" -o "$tmp/hello" $flags $(pkg-config --libs fmt)
LD_LIBRARY_PATH="$(PKG_CONFIG_PATH="$tmp/pc" pkg-config --variable=libdir weft)" "$tmp/hello" | grep -q "the answer is 42"

echo "== meson subproject"
mkdir -p "$tmp/parent/subprojects"
ln -s "$root" "$tmp/parent/subprojects/weft"
cat > "$tmp/parent/meson.build" <<'MESON'
project('parent', 'cpp', default_options: ['cpp_std=c++20'])
weft = dependency('weft', fallback: ['weft'], default_options: ['tests=false', 'benchmarks=false', 'examples=false'])
executable('hello', 'hello.cpp', dependencies: [weft, dependency('fmt')])
MESON
cp "$root/examples/hello.cpp" "$tmp/parent/"
meson setup "$tmp/parent/build" "$tmp/parent" --force-fallback-for=weft >/dev/null
ninja -C "$tmp/parent/build" -j2 >/dev/null
"$tmp/parent/build/hello" | grep -q "the answer is 42"
echo "== consumers ok"
