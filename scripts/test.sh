#!/bin/bash
# Builds weft and runs its whole test suite (README's second command; CI runs it too).
#   scripts/test.sh            debug-optimised build + every test + consumer checks
#   scripts/test.sh --asan     also an ASan+UBSan build running every test
#   scripts/test.sh --tsan     also a TSan build running the scheduler tests
#   scripts/test.sh --all      all three (what CI does; CI=true implies --all)
set -euo pipefail
cd "$(dirname "$0")/.."

asan=0 tsan=0
for arg in "$@"; do
  case "$arg" in
    --asan) asan=1 ;;
    --tsan) tsan=1 ;;
    --all) asan=1; tsan=1 ;;
    *) echo "usage: $0 [--asan] [--tsan] [--all]" >&2; exit 2 ;;
  esac
done
[ "${CI:-}" = "true" ] && { asan=1; tsan=1; }

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

passed=0 failed=0
run_suite() {  # DIR [meson test args...]
  local dir=$1; shift
  echo "== build $dir"
  ninja -C "$dir" -j2
  echo "== test $dir"
  local rc=0
  meson test -C "$dir" --print-errorlogs --num-processes 2 "$@" | tee "$dir/test-summary.txt" || rc=$?
  passed=$((passed + $(sed -n 's/^Ok:[[:space:]]*\([0-9]*\).*/\1/p' "$dir/test-summary.txt" | tail -n1)))
  failed=$((failed + $(sed -n 's/^Fail:[[:space:]]*\([0-9]*\).*/\1/p' "$dir/test-summary.txt" | tail -n1)))
  if [ "$rc" -ne 0 ]; then
    echo "$passed passed, $((failed > 0 ? failed : 1)) failed"
    exit "$rc"
  fi
}

configure build-test -Dbuildtype=debugoptimized
run_suite build-test
# Installed headers + weft.pc, and use as a meson subproject, from a consumer's side.
CXX="$cxx" scripts/check-consumers.sh build-test

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
echo "== all test runs passed"
echo "$passed passed, $failed failed"
