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
#   5. as a meson subproject: README's meson.build (examples/consumer/meson.build)
#      builds the libraries only (no tests, examples or benchmarks), installs no program of
#      weft's, and carries the consumer flags (the deep-await program at -O0);
#   6. installed, from meson: README's meson.build finds weft.pc;
#   7. installed, from CMake (shared and static): README's CMakeLists.txt
#      (examples/consumer/CMakeLists.txt) with find_package(weft), at -O0 (the
#      deep-await program: the compile options travel with weft::weft), weft::core alone,
#      and find_package refusing a wrong version or an unknown component;
#   8. the version: <weft/version.hpp> and weft::version() agree (tests/consumer/version_check.cpp)
#      installed (pkg-config, CMake) and as a subproject.
# Usage: scripts/check-consumers.sh BUILD_DIR   (an already built build directory)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$(cd "$1" && pwd)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# The subproject is built in a new temporary directory each run: let ccache reuse its
# objects anyway (the working directory only changes paths in the debug information).
export CCACHE_NOHASHDIR=1
cxx_gcc=g++
version=$(meson introspect --projectinfo "$build" | python3 -c 'import json, sys; print(json.load(sys.stdin)["version"])')
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

# cmake_consumer PREFIX DIR: README's CMake project (examples/consumer/CMakeLists.txt,
# verbatim, then a few targets of this check's) against the weft installed in PREFIX,
# built in DIR as a Debug build (no -O: gcc's -O0).
cmake_consumer() {
    local prefix=$1 dir=$2
    mkdir -p "$dir"
    cp "$root/examples/consumer/CMakeLists.txt" "$dir/CMakeLists.txt"
    cat >> "$dir/CMakeLists.txt" <<'CMAKE'

# Added by scripts/check-consumers.sh:
find_package(weft 0.2 REQUIRED COMPONENTS core)
add_executable(deep deep_await.cpp)
target_link_libraries(deep PRIVATE weft::weft)
add_executable(version_check version_check.cpp)
target_link_libraries(version_check PRIVATE weft::weft)
add_executable(core_only core_only.cpp)
target_link_libraries(core_only PRIVATE weft::core)
CMAKE
    cp "$root/examples/readme.cpp" "$dir/app.cpp"
    cp "$root/tests/consumer/deep_await.cpp" "$root/tests/consumer/version_check.cpp" "$root/tests/core_only.cpp" "$dir/"
    cmake -S "$dir" -B "$dir/build" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Debug \
        -DCMAKE_CXX_COMPILER="$cxx_gcc" > "$dir/configure.log" 2>&1 || { cat "$dir/configure.log" >&2; exit 1; }
    cmake --build "$dir/build" -j"$(nproc)" > "$dir/build.log" 2>&1 || { cat "$dir/build.log" >&2; exit 1; }
}

# run_consumer_programs DIR [LD_LIBRARY_PATH]: runs what cmake_consumer built.
run_consumer_programs() {
    local dir=$1 libpath=${2:-}
    LD_LIBRARY_PATH="$libpath" "$dir/app" | grep "55 500500 500000500000 5050" >/dev/null
    LD_LIBRARY_PATH="$libpath" "$dir/deep" | grep "deep_await: ok" >/dev/null
    LD_LIBRARY_PATH="$libpath" "$dir/version_check" | grep "ok$" >/dev/null
    LD_LIBRARY_PATH="$libpath" "$dir/core_only" | grep "core alone: ok" >/dev/null
}

# The README's compile line ("Using it from your project"), verbatim but for the paths.
readme_line=$(grep -m1 -o 'c++ -std=c++20 app.cpp $(pkg-config --cflags --libs weft fmt)' "$root/README.md") ||
    { echo "README's compile line is not the one this script checks" >&2; exit 1; }

echo "== installed (shared) + pkg-config"
pcpath=$(stage "$build" "$tmp/stage")
libdir=$(PKG_CONFIG_PATH="$pcpath" pkg-config --variable=libdir weft)
cp "$root/examples/readme.cpp" "$tmp/app.cpp"
(cd "$tmp" && export PKG_CONFIG_PATH="$pcpath" && eval "${readme_line/c++/$cxx_gcc} -o readme")
LD_LIBRARY_PATH="$libdir" "$tmp/readme" | grep "55 500500 500000500000 5050" >/dev/null

flags=$(PKG_CONFIG_PATH="$pcpath" pkg-config --cflags --libs weft)
prefix=$(PKG_CONFIG_PATH="$pcpath" pkg-config --variable=prefix weft)

echo "== installed (shared) + version"
# shellcheck disable=SC2086
$cxx_gcc "$root/tests/consumer/version_check.cpp" -o "$tmp/version_check" $flags
LD_LIBRARY_PATH="$libdir" "$tmp/version_check" | grep "ok$" >/dev/null

echo "== installed (shared) + CMake: README's CMakeLists.txt"
cmake_consumer "$prefix" "$tmp/cmake-shared"
run_consumer_programs "$tmp/cmake-shared/build"  # the imported targets give the runpath
ldd "$tmp/cmake-shared/build/app" | grep "libweft.so.${version%%.*} " >/dev/null ||
    { echo "the CMake consumer does not link the shared libweft" >&2; exit 1; }
ldd "$tmp/cmake-shared/build/core_only" | grep -E "libweft(_timers|_io|_net)?\.so" >/dev/null &&
    { echo "core_only (weft::core) links more than libweft_core" >&2; exit 1; }

echo "== installed + CMake: a wrong version or component is refused"
mkdir -p "$tmp/cmake-wrong"
for request in "99.0 REQUIRED" "$version REQUIRED COMPONENTS nope"; do
    printf 'cmake_minimum_required(VERSION 3.20)\nproject(wrong LANGUAGES CXX)\nfind_package(weft %s)\n' \
        "$request" > "$tmp/cmake-wrong/CMakeLists.txt"
    if cmake -S "$tmp/cmake-wrong" -B "$tmp/cmake-wrong/build-$RANDOM" -DCMAKE_PREFIX_PATH="$prefix" \
            > "$tmp/cmake-wrong/out" 2>&1; then
        echo "find_package(weft $request) succeeded" >&2; exit 1
    fi
    grep -qE "that is compatible|has no component" "$tmp/cmake-wrong/out" || { cat "$tmp/cmake-wrong/out" >&2; exit 1; }
done

echo "== installed (shared) + meson: README's meson.build"
mkdir -p "$tmp/meson-installed"
cp "$root/examples/consumer/meson.build" "$tmp/meson-installed/"
cp "$root/examples/readme.cpp" "$tmp/meson-installed/app.cpp"
PKG_CONFIG_PATH="$pcpath" meson setup "$tmp/meson-installed/build" "$tmp/meson-installed" > "$tmp/meson-installed.log" ||
    { cat "$tmp/meson-installed.log" >&2; exit 1; }
grep -q "Run-time dependency weft found: YES $version" "$tmp/meson-installed.log" ||
    { echo "README's meson.build did not find the installed weft.pc" >&2; exit 1; }
ninja -C "$tmp/meson-installed/build" -j"$(nproc)" >/dev/null
LD_LIBRARY_PATH="$libdir" "$tmp/meson-installed/build/app" | grep "55 500500 500000500000 5050" >/dev/null
asan_flags=$(PKG_CONFIG_PATH="$pcpath" pkg-config --variable=cflags_asan weft)
for cxx in $cxx_gcc $cxx_clang; do
    echo "== deep awaits, $cxx -O0"
    # shellcheck disable=SC2086
    $cxx -O0 "$root/tests/consumer/deep_await.cpp" -o "$tmp/deep" $flags
    LD_LIBRARY_PATH="$libdir" "$tmp/deep" | grep "deep_await: ok" >/dev/null
    echo "== deep awaits, $cxx -O0 -fsanitize=address"
    extra=$asan_flags
    [ "$cxx" = "$cxx_clang" ] && extra=""  # a gcc --param; clang needs nothing here
    # shellcheck disable=SC2086
    $cxx -O0 -g -fsanitize=address $extra "$root/tests/consumer/deep_await.cpp" -o "$tmp/deep_asan" $flags
    ASAN_OPTIONS=detect_leaks=0 LD_LIBRARY_PATH="$libdir" "$tmp/deep_asan" | grep "deep_await: ok" >/dev/null
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
    LD_LIBRARY_PATH="$libdir" "$tmp/deep_ubsan" | grep "deep_await: ok" >/dev/null
fi

echo "== core alone: weft-core.pc"
core_flags=$(PKG_CONFIG_PATH="$pcpath" pkg-config --cflags --libs weft-core)
# shellcheck disable=SC2086
$cxx_gcc "$root/tests/core_only.cpp" -o "$tmp/core_only" $core_flags
LD_LIBRARY_PATH="$libdir" "$tmp/core_only" | grep "core alone: ok" >/dev/null
ldd "$tmp/core_only" | grep "libweft_core" >/dev/null || { echo "core_only does not link libweft_core" >&2; exit 1; }
if ldd "$tmp/core_only" | grep -E "libweft(_timers|_io|_net)?\.so" >/dev/null; then
    echo "core_only links more than libweft_core" >&2; exit 1
fi

echo "== installed (static) + pkg-config --static"
static_build="$build-static-consumer"
if [ ! -f "$static_build/build.ninja" ]; then
    meson setup "$static_build" "$root" -Ddefault_library=static -Dtests=disabled -Dbenchmarks=disabled \
        -Dexamples=disabled -Dbuildtype=debugoptimized >/dev/null
fi
ninja -C "$static_build" -j"$(nproc)" >/dev/null
spcpath=$(stage "$static_build" "$tmp/stage-static")
static_line=${readme_line/--cflags --libs/--static --cflags --libs}
(cd "$tmp" && export PKG_CONFIG_PATH="$spcpath" && eval "${static_line/c++/$cxx_gcc} -o readme_static")
if ldd "$tmp/readme_static" | grep "libweft" >/dev/null; then echo "the static build linked a shared weft" >&2; exit 1; fi
"$tmp/readme_static" | grep "55 500500 500000500000 5050" >/dev/null

echo "== installed (static) + CMake: README's CMakeLists.txt"
sprefix=$(PKG_CONFIG_PATH="$spcpath" pkg-config --variable=prefix weft)
cmake_consumer "$sprefix" "$tmp/cmake-static"
for exe in app deep version_check core_only; do
    if ldd "$tmp/cmake-static/build/$exe" | grep "libweft" >/dev/null; then
        echo "the static CMake consumer $exe linked a shared weft" >&2; exit 1
    fi
done
run_consumer_programs "$tmp/cmake-static/build"

echo "== meson subproject: README's meson.build"
mkdir -p "$tmp/parent/subprojects"
ln -s "$root" "$tmp/parent/subprojects/weft"
# README's file verbatim, then this check's own targets.
cp "$root/examples/consumer/meson.build" "$tmp/parent/meson.build"
cat >> "$tmp/parent/meson.build" <<'MESON'

# Added by scripts/check-consumers.sh:
executable('deep', 'deep_await.cpp', dependencies: [weft])
executable('version_check', 'version_check.cpp', dependencies: [weft])
MESON
cp "$root/tests/consumer/deep_await.cpp" "$root/tests/consumer/version_check.cpp" "$tmp/parent/"
cp "$root/examples/readme.cpp" "$tmp/parent/app.cpp"
meson setup "$tmp/parent/build" "$tmp/parent" --force-fallback-for=weft --prefix=/usr --buildtype=debug >/dev/null
ninja -C "$tmp/parent/build" -j"$(nproc)" >/dev/null
"$tmp/parent/build/app" | grep "55 500500 500000500000 5050" >/dev/null
"$tmp/parent/build/version_check" | grep "ok$" >/dev/null
"$tmp/parent/build/deep" | grep "deep_await: ok" >/dev/null  # -O0 (buildtype=debug): the dependency's flags
# Only the libraries: no test, benchmark or example of weft was built ...
if find "$tmp/parent/build/subprojects/weft" -type f -perm -u+x \( -name 'test_*' -o -name 'weft-bench' \
        -o -name 'echo_server' -o -name 'weft-micro' \) | grep . >/dev/null; then
    echo "the subproject built weft's tests, benchmarks or examples" >&2; exit 1
fi
# ... and installing the parent installs its own program only.
meson install -C "$tmp/parent/build" --destdir "$tmp/parent-stage" >/dev/null
installed_bins=$(find "$tmp/parent-stage" -path '*/bin/*' -type f -printf '%f\n' | sort | tr '\n' ' ')
[ "$installed_bins" = "app " ] || { echo "the parent installed: $installed_bins" >&2; exit 1; }
echo "== consumers ok"
