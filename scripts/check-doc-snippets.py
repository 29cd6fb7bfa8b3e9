#!/usr/bin/env python3
"""Checks every code block of README.md and docs/*.md that a reader could copy.

- A ```cpp block preceded by `<!-- snippet: PATH -->` must appear verbatim (line for line,
  trailing spaces aside) in PATH, a file the build compiles (examples/, tests/): the doc
  quotes code that is built and run elsewhere.
- Any other ```cpp block must be a whole program (it has `int main(`): it is compiled
  against weft's headers and libweft and run; it must exit 0 within 30 s.
- A ```toml block is a weft configuration file: it is loaded by the `--toml-check` program
  (every key of core and of the timers and io sections must be known and valid).
A block that is none of these fails the check, naming the file and line.

Usage (tests/meson.build runs it): check-doc-snippets.py --root SRC --cxx CXX
       --cflags '...' --libs '...' --toml-check PROGRAM
"""
import argparse
import os
import re
import shlex
import subprocess
import sys
import tempfile

FENCE = re.compile(r"^```(\w*)\s*$")
MARKER = re.compile(r"<!--\s*snippet:\s*(\S+)\s*-->")


def blocks(path):
    """Yields (language, first line number, text, marker path or None)."""
    lines = open(path, encoding="utf-8").read().split("\n")
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m or not m.group(1):
            i += 1
            continue
        lang, start = m.group(1), i + 1
        marker = None
        for back in (i - 1, i - 2):
            if back >= 0 and MARKER.search(lines[back]):
                marker = MARKER.search(lines[back]).group(1)
                break
        j = i + 1
        while j < len(lines) and not lines[j].startswith("```"):
            j += 1
        yield lang, start + 1, "\n".join(lines[i + 1:j]), marker
        i = j + 1


def quoted_in(text, path):
    want = [l.rstrip() for l in text.split("\n")]
    have = [l.rstrip() for l in open(path, encoding="utf-8").read().split("\n")]
    n = len(want)
    return any(have[k:k + n] == want for k in range(len(have) - n + 1))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=True)
    ap.add_argument("--cxx", required=True)
    ap.add_argument("--cflags", default="")
    ap.add_argument("--libs", default="")
    ap.add_argument("--toml-check", required=True)
    args = ap.parse_args()

    docs = [os.path.join(args.root, "README.md")]
    docs += sorted(os.path.join(args.root, "docs", f) for f in os.listdir(os.path.join(args.root, "docs"))
                   if f.endswith(".md"))
    failures, checked = [], 0
    with tempfile.TemporaryDirectory() as tmp:
        for doc in docs:
            rel = os.path.relpath(doc, args.root)
            for lang, line, text, marker in blocks(doc):
                where = f"{rel}:{line}"
                if lang == "cpp":
                    checked += 1
                    if marker:
                        target = os.path.join(args.root, marker)
                        if not os.path.isfile(target):
                            failures.append(f"{where}: the snippet names {marker}, which does not exist")
                        elif not quoted_in(text, target):
                            failures.append(f"{where}: the block is not a verbatim part of {marker}")
                        continue
                    if not re.search(r"\bint main\(", text):
                        failures.append(f"{where}: a C++ block that is neither a whole program nor a quote "
                                        "of a built file (put <!-- snippet: examples/FILE.cpp --> before it)")
                        continue
                    src = os.path.join(tmp, f"snippet_{checked}.cpp")
                    exe = os.path.join(tmp, f"snippet_{checked}")
                    open(src, "w").write(text + "\n")
                    cmd = [args.cxx, "-std=c++20", src, "-o", exe] + shlex.split(args.cflags) + shlex.split(args.libs)
                    r = subprocess.run(cmd, capture_output=True, text=True)
                    if r.returncode != 0:
                        failures.append(f"{where}: does not compile:\n{r.stderr[-3000:]}")
                        continue
                    try:
                        r = subprocess.run([exe], capture_output=True, text=True, timeout=30)
                        if r.returncode != 0:
                            failures.append(f"{where}: the program exited {r.returncode}:\n{r.stderr[-2000:]}")
                    except subprocess.TimeoutExpired:
                        failures.append(f"{where}: the program did not finish in 30 s")
                elif lang == "toml":
                    checked += 1
                    path = os.path.join(tmp, f"config_{checked}.toml")
                    open(path, "w").write(text + "\n")
                    r = subprocess.run([args.toml_check, path], capture_output=True, text=True)
                    if r.returncode != 0:
                        failures.append(f"{where}: not a valid weft configuration: {r.stderr.strip()}")
    for f in failures:
        print(f, file=sys.stderr)
    print(f"{checked} blocks checked, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
