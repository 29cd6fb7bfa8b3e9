#!/bin/bash
# Checks the release tarball: `meson dist` packs the committed tree (HEAD: uncommitted
# changes are not in it, so this refuses a dirty tree), and the tarball alone must
# configure, build (libraries, examples and every test program: -Dtests=enabled) and pass
# a bounded part of the test suite: the packaging, docs and examples suites and the core
# tests (about a minute on 2 cores; the whole suite runs in the source tree). Not part of
# the default test command: scripts/test.sh runs it when CI=true.
# Usage: scripts/check-dist.sh BUILD_DIR   (a configured build directory of this tree)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$(cd "$1" && pwd)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [ -n "$(git -C "$root" status --porcelain --untracked-files=no)" ]; then
    echo "check-dist: the tree has uncommitted changes; meson dist packs HEAD only: commit first" >&2
    exit 1
fi
version=$(meson introspect --projectinfo "$build" | python3 -c 'import json, sys; print(json.load(sys.stdin)["version"])')

echo "== meson dist"
rm -f "$build/meson-dist/weft-$version.tar.xz"
meson dist -C "$build" --no-tests --formats xztar >/dev/null
tarball="$build/meson-dist/weft-$version.tar.xz"
[ -f "$tarball" ] || { echo "check-dist: meson dist made no $tarball" >&2; exit 1; }
(cd "$build/meson-dist" && sha256sum -c "weft-$version.tar.xz.sha256sum" >/dev/null)

# What a release must hold, and must not.
listing=$(tar -tJf "$tarball")
for f in meson.build meson_options.txt README.md CHANGELOG.md cmake/weftConfig.cmake.in \
         core/version/weft/version.hpp.in docs/Doxyfile.in scripts/doxygen-filter.py; do
    grep -qx "weft-$version/$f" <<< "$listing" || { echo "check-dist: the tarball lacks $f" >&2; exit 1; }
done
if grep -E "^weft-$version/(build[^/]*|\.git)/" <<< "$listing" | grep -q .; then
    echo "check-dist: the tarball holds a build directory or .git" >&2; exit 1
fi

echo "== build and test from the tarball alone"
tar -xJf "$tarball" -C "$tmp"
src="$tmp/weft-$version"
cxx="g++"
command -v ccache >/dev/null && cxx="ccache g++"
# The compiler's working directory differs from the source tree's builds: do not let it
# defeat ccache (it only changes the paths in the debug information).
export CCACHE_NOHASHDIR=1 CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/ccache}"
(cd "$src" && CXX="$cxx" meson setup build -Dbuildtype=debugoptimized -Dtests=enabled -Dexamples=enabled \
    -Dbenchmarks=disabled >/dev/null)
ninja -C "$src/build" -j"$(nproc)" >/dev/null
meson test -C "$src/build" --num-processes "$(nproc)" --print-errorlogs \
    --suite packaging --suite docs --suite examples --suite core
echo "== dist ok: $(basename "$tarball")"
