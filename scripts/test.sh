#!/bin/bash
# Builds weft and runs its whole test suite (README's second command; CI runs it too).
#   scripts/test.sh            debug-optimised build + the API reference (Doxygen: any
#                              warning fails) + every test + consumer checks (meson,
#                              pkg-config, CMake)
#   scripts/test.sh --asan     also an ASan+UBSan build running every test
#   scripts/test.sh --tsan     also a TSan build running the scheduler tests
#   scripts/test.sh --fuzz     also 60 s of libFuzzer on the HTTP parser (scripts/fuzz.sh)
#   scripts/test.sh --all      all four (what CI does; CI=true implies --all)
# With CI=true it also checks the release tarball (scripts/check-dist.sh: `meson dist`,
# then a build and part of the tests from the tarball alone; needs a committed tree).
set -euo pipefail
cd "$(dirname "$0")/.."

asan=0 tsan=0 fuzz=0
for arg in "$@"; do
  case "$arg" in
    --asan) asan=1 ;;
    --tsan) tsan=1 ;;
    --fuzz) fuzz=1 ;;
    --all) asan=1; tsan=1; fuzz=1 ;;
    *) echo "usage: $0 [--asan] [--tsan] [--fuzz] [--all]" >&2; exit 2 ;;
  esac
done
[ "${CI:-}" = "true" ] && { asan=1; tsan=1; fuzz=1; }

scripts/setup.sh

export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/ccache}"
cxx="g++"
command -v ccache >/dev/null && cxx="ccache g++"

# configure DIR ARGS...: sets up DIR once, reconfigures it on later runs.
configure() {
  local dir=$1; shift
  if [ -d "$dir/meson-private" ]; then
    meson setup --reconfigure "$dir" "$@" >/dev/null
  else
    CXX="$cxx" meson setup "$dir" "$@" >/dev/null
  fi
}

# As many jobs as the machine has cores (2 on the development box; CI may have more).
jobs=$(nproc 2>/dev/null || echo 2)
passed=0 failed=0
run_suite() {  # DIR [meson test args...]
  local dir=$1; shift
  # A run of every test builds everything (examples, benchmarks, the API reference); a run
  # of some suites only what their tests need, which meson test builds by itself (the TSan
  # build runs one suite and need not build every test program).
  case " $* " in
    *" --suite "*) ;;
    *) echo "== build $dir"; ninja -C "$dir" -j"$jobs" ;;
  esac
  echo "== test $dir"
  local rc=0
  meson test -C "$dir" --print-errorlogs --num-processes "$jobs" "$@" | tee "$dir/test-summary.txt" || rc=$?
  passed=$((passed + $(sed -n 's/^Ok:[[:space:]]*\([0-9]*\).*/\1/p' "$dir/test-summary.txt" | tail -n1)))
  failed=$((failed + $(sed -n 's/^Fail:[[:space:]]*\([0-9]*\).*/\1/p' "$dir/test-summary.txt" | tail -n1)))
  if [ "$rc" -ne 0 ]; then
    echo "$passed passed, $((failed > 0 ? failed : 1)) failed"
    exit "$rc"
  fi
}

configure build-test -Dbuildtype=debugoptimized -Ddocs=enabled
run_suite build-test  # its ninja builds the API reference too (docs/meson.build)
# Installed headers + weft.pc, and use as a meson subproject, from a consumer's side.
CXX="$cxx" scripts/check-consumers.sh build-test
if [ "${CI:-}" = "true" ]; then
  scripts/check-dist.sh build-test
fi

if [ "$asan" = 1 ]; then
  configure build-asan -Dbuildtype=debug -Db_sanitize=address,undefined -Db_lundef=false -Dbenchmarks=disabled -Dexamples=disabled
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    run_suite build-asan --timeout-multiplier 3
fi

if [ "$tsan" = 1 ]; then
  configure build-tsan -Dbuildtype=debugoptimized -Db_sanitize=thread -Db_lundef=false -Dbenchmarks=disabled -Dexamples=disabled
  TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 suppressions=$PWD/tests/tsan.supp" \
    run_suite build-tsan --suite scheduler --timeout-multiplier 4
fi
if [ "$fuzz" = 1 ]; then
  echo "== fuzz the HTTP parser (60 s)"
  scripts/fuzz.sh 60
fi
echo "== all test runs passed"
echo "$passed passed, $failed failed"
