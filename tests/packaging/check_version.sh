#!/bin/bash
# One version everywhere: meson.build's project version is what <weft/version.hpp> and
# weft::version() say (the version_check program), what weft.pc and the CMake package
# (weftConfigVersion.cmake, and the soname weftConfig.cmake expects) carry, and each
# shared library's soname is lib<name>.so.MAJOR. Run by tests/meson.build:
#   check_version.sh VERSION VERSION_CHECK_PROGRAM PC_DIR CMAKE_VERSION_FILE CMAKE_CONFIG_FILE LIBRARY...
set -euo pipefail
version=$1 program=$2 pcdir=$3 cmake_version=$4 cmake_config=$5
shift 5
major=${version%%.*}
fail() { echo "check_version: $*" >&2; exit 1; }

out=$("$program") || fail "$program failed: $out"
[ "$out" = "version: $version ok" ] || fail "the headers and library say '$out', meson.build says $version"

for pc in "$pcdir"/weft.pc "$pcdir"/weft-core.pc "$pcdir"/weft-net.pc; do
    pcv=$(sed -n 's/^Version: //p' "$pc")
    [ "$pcv" = "$version" ] || fail "$(basename "$pc") has Version: $pcv, meson.build says $version"
done

if command -v cmake >/dev/null; then
    script=$(mktemp --suffix=.cmake)
    trap 'rm -f "$script"' EXIT
    cat > "$script" <<CMAKE
set(CMAKE_SIZEOF_VOID_P 8)
set(PACKAGE_FIND_VERSION "$version")
string(REPLACE "." ";" parts "$version")
list(GET parts 0 PACKAGE_FIND_VERSION_MAJOR)
list(GET parts 1 PACKAGE_FIND_VERSION_MINOR)
list(GET parts 2 PACKAGE_FIND_VERSION_PATCH)
include("$cmake_version")
message(STATUS "version=\${PACKAGE_VERSION} compatible=\${PACKAGE_VERSION_COMPATIBLE}")
CMAKE
    got=$(cmake -P "$script" | sed -n 's/^-- //p')
    [ "$got" = "version=$version compatible=TRUE" ] || fail "weftConfigVersion.cmake says '$got', meson.build says $version"
else
    fail "cmake is not installed (scripts/setup.sh installs it)"
fi
grep -q "lib\${libname}.so.$version\"" "$cmake_config" || fail "weftConfig.cmake does not name lib*.so.$version"
grep -q "lib\${libname}.so.$major\"" "$cmake_config" || fail "weftConfig.cmake does not expect the soname lib*.so.$major"

for lib in "$@"; do
    name=$(basename "$lib")
    [ "$name" = "${name%.a}" ] || continue  # a static build: no soname
    soname=$(readelf -d "$lib" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')
    want="${name%%.so*}.so.$major"
    [ "$soname" = "$want" ] || fail "$name has soname '$soname', not $want"
    [ "$name" = "${name%%.so*}.so.$version" ] || fail "$name is not ${name%%.so*}.so.$version"
done
echo "check_version: $version everywhere ($# libraries)"
