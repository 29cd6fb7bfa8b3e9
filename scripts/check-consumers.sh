#!/bin/bash
# Checks weft from a consumer's side, the ways the README documents, each compiling and
# running real programs:
#   1. installed (shared): `meson install`, then README's own compile line builds README's
#      example (examples/readme.cpp); tests/consumer/deep_await.cpp (a million immediate
#      co_awaits, a 100,000-deep recursive await) at -O0 and under ASan, with g++ and
#      clang++, using only what weft.pc gives (the flags consumers need travel with it);
#   2. ASan in the user's build against an uninstrumented weft sees a use after free of a
#      coroutine frame (tests/consumer/frame_use_after_free.cpp); clang's UBSan with
#      -fno-sanitize=function (what docs/guide.md says) runs a weft program;
#   3. core alone: tests/core_only.cpp built with weft-core.pc only;
#   4. installed (static): the same README line with pkg-config --static;
#   5. as a meson subproject: dependency('weft') builds the libraries only (no tests,
#      examples or benchmarks), installs no program, and carries the consumer flags (the
#      deep-await program at -O0).
# Usage: scripts/check-consumers.sh BUILD_DIR   (an already built build directory)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$(cd "$1" && pwd)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cxx_gcc=g++
cxx_clang=$(command -v clang++ || true)

# stage BUILD DEST: installs BUILD under DEST and prints a PKG_CONFIG_PATH for it.
stage() {
    meson install -C "$1" --destdir "$2" >/dev/null
    local pcdir
    pcdir=$(dirname "$(find "$2" -name weft.pc | head -n1)")
    [ -n "$pcdir" ] && [ "$pcdir" != . ] || { echo "weft.pc was not installed" >&2; exit 1; }
    [ -n "$(find "$2" -path '*include/weft/weft.hpp')" ] || { echo "headers were not installed" >&2; exit 1; }
    # Point the staged .pc files at the staging prefix.
    mkdir -p "$2/pc"
    for pc in "$pcdir"/weft*.pc; do
        local prefix
        prefix=$(sed -n 's/^prefix=//p' "$pc")
        sed "s|^prefix=.*|prefix=$2$prefix|" "$pc" > "$2/pc/$(basename "$pc")"
    done
    echo "$2/pc"
}

# The README's compile line ("Using it from your project"), verbatim but for the paths.
readme_line=$(grep -m1 -o 'c++ -std=c++20 app.cpp $(pkg-config --cflags --libs weft fmt)' "$root/README.md") ||
    { echo "README's compile line is not the one this script checks" >&2; exit 1; }

echo "== installed (shared) + pkg-config"
pcpath=$(stage "$build" "$tmp/stage")
libdir=$(PKG_CONFIG_PATH="$pcpath" pkg-config --variable=libdir weft)
cp "$root/examples/readme.cpp" "$tmp/app.cpp"
(cd "$tmp" && export PKG_CONFIG_PATH="$pcpath" && eval "${readme_line/c++/$cxx_gcc} -o readme")
LD_LIBRARY_PATH="$libdir" "$tmp/readme" | grep -q "55 500500 500000500000 5050"

flags=$(PKG_CONFIG_PATH="$pcpath" pkg-config --cflags --libs weft)
asan_flags=$(PKG_CONFIG_PATH="$pcpath" pkg-config --variable=cflags_asan weft)
for cxx in $cxx_gcc $cxx_clang; do
    echo "== deep awaits, $cxx -O0"
    # shellcheck disable=SC2086
    $cxx -O0 "$root/tests/consumer/deep_await.cpp" -o "$tmp/deep" $flags
    LD_LIBRARY_PATH="$libdir" "$tmp/deep" | grep -q "deep_await: ok"
    echo "== deep awaits, $cxx -O0 -fsanitize=address"
    extra=$asan_flags
    [ "$cxx" = "$cxx_clang" ] && extra=""  # a gcc --param; clang needs nothing here
    # shellcheck disable=SC2086
    $cxx -O0 -g -fsanitize=address $extra "$root/tests/consumer/deep_await.cpp" -o "$tmp/deep_asan" $flags
    ASAN_OPTIONS=detect_leaks=0 LD_LIBRARY_PATH="$libdir" "$tmp/deep_asan" | grep -q "deep_await: ok"
done

echo "== the user's ASan build sees a use after free of a frame (uninstrumented weft)"
# shellcheck disable=SC2086
$cxx_gcc -O0 -g -fsanitize=address $asan_flags "$root/tests/consumer/frame_use_after_free.cpp" -o "$tmp/uaf" $flags
if ASAN_OPTIONS=detect_leaks=0 LD_LIBRARY_PATH="$libdir" "$tmp/uaf" > "$tmp/uaf.out" 2>&1; then
    echo "ASan did not report the use after free of a task frame" >&2; cat "$tmp/uaf.out" >&2; exit 1
fi
grep -q "heap-use-after-free" "$tmp/uaf.out" || { cat "$tmp/uaf.out" >&2; exit 1; }

if [ -n "$cxx_clang" ]; then
    echo "== clang UBSan with -fno-sanitize=function"
    # shellcheck disable=SC2086
    $cxx_clang -O1 -fsanitize=undefined -fno-sanitize=function -fno-sanitize-recover=all \
        "$root/tests/consumer/deep_await.cpp" -o "$tmp/deep_ubsan" $flags
    LD_LIBRARY_PATH="$libdir" "$tmp/deep_ubsan" | grep -q "deep_await: ok"
fi

echo "== core alone: weft-core.pc"
core_flags=$(PKG_CONFIG_PATH="$pcpath" pkg-config --cflags --libs weft-core)
# shellcheck disable=SC2086
$cxx_gcc "$root/tests/core_only.cpp" -o "$tmp/core_only" $core_flags
LD_LIBRARY_PATH="$libdir" "$tmp/core_only" | grep -q "core alone: ok"
ldd "$tmp/core_only" | grep -q "libweft_core" || { echo "core_only does not link libweft_core" >&2; exit 1; }
if ldd "$tmp/core_only" | grep -qE "libweft(_timers|_io|_net)?\.so"; then
    echo "core_only links more than libweft_core" >&2; exit 1
fi

echo "== installed (static) + pkg-config --static"
static_build="$build-static-consumer"
if [ ! -f "$static_build/build.ninja" ]; then
    meson setup "$static_build" "$root" -Ddefault_library=static -Dtests=disabled -Dbenchmarks=disabled \
        -Dexamples=disabled -Dbuildtype=debugoptimized >/dev/null
fi
ninja -C "$static_build" -j2 >/dev/null
spcpath=$(stage "$static_build" "$tmp/stage-static")
static_line=${readme_line/--cflags --libs/--static --cflags --libs}
(cd "$tmp" && export PKG_CONFIG_PATH="$spcpath" && eval "${static_line/c++/$cxx_gcc} -o readme_static")
if ldd "$tmp/readme_static" | grep -q "libweft"; then echo "the static build linked a shared weft" >&2; exit 1; fi
"$tmp/readme_static" | grep -q "55 500500 500000500000 5050"

echo "== meson subproject"
mkdir -p "$tmp/parent/subprojects"
ln -s "$root" "$tmp/parent/subprojects/weft"
cat > "$tmp/parent/meson.build" <<'MESON'
project('parent', 'cpp', default_options: ['cpp_std=c++20', 'buildtype=debug'])
weft = dependency('weft', fallback: ['weft'])
executable('hello', 'hello.cpp', dependencies: [weft, dependency('fmt')], install: true)
executable('deep', 'deep_await.cpp', dependencies: [weft])
MESON
cp "$root/examples/hello.cpp" "$root/tests/consumer/deep_await.cpp" "$tmp/parent/"
meson setup "$tmp/parent/build" "$tmp/parent" --force-fallback-for=weft --prefix=/usr >/dev/null
ninja -C "$tmp/parent/build" -j2 >/dev/null
"$tmp/parent/build/hello" | grep -q "the answer is 42"
"$tmp/parent/build/deep" | grep -q "deep_await: ok"  # -O0 (buildtype=debug): the dependency's flags
# Only the libraries: no test, benchmark or example of weft was built ...
if find "$tmp/parent/build/subprojects/weft" -type f -perm -u+x \( -name 'test_*' -o -name 'weft-bench' \
        -o -name 'echo_server' -o -name 'weft-micro' \) | grep -q .; then
    echo "the subproject built weft's tests, benchmarks or examples" >&2; exit 1
fi
# ... and installing the parent installs its own program only.
meson install -C "$tmp/parent/build" --destdir "$tmp/parent-stage" >/dev/null
installed_bins=$(find "$tmp/parent-stage" -path '*/bin/*' -type f -printf '%f\n' | sort | tr '\n' ' ')
[ "$installed_bins" = "hello " ] || { echo "the parent installed: $installed_bins" >&2; exit 1; }
echo "== consumers ok"
