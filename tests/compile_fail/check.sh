#!/bin/sh
# check.sh MESSAGE SOURCE COMPILER [FLAGS...]
# Passes if SOURCE compiles with -DWEFT_COMPILE_FAIL_CONTROL (the control) and fails to
# compile without it, with MESSAGE among the compiler's diagnostics.
set -u
msg=$1
src=$2
shift 2
if ! out=$("$@" -fsyntax-only -DWEFT_COMPILE_FAIL_CONTROL "$src" 2>&1); then
  echo "the control build of $src does not compile:" >&2
  echo "$out" >&2
  exit 1
fi
if out=$("$@" -fsyntax-only "$src" 2>&1); then
  echo "$src compiled, but it must not" >&2
  exit 1
fi
if ! printf '%s\n' "$out" | grep -qF -- "$msg"; then
  echo "$src failed to compile without the expected message: $msg" >&2
  echo "$out" >&2
  exit 1
fi
echo "ok: $src fails with: $msg"
