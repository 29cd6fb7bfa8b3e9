#!/usr/bin/env python3
"""Checks that the code blocks the docs mark as quotes are verbatim excerpts of their files.

A block is marked by the comment line just before it:
    <!-- quote: examples/http_hello.cpp -->
    ```cpp
    ...
    ```
and passes when its text appears, unchanged and in one piece, in that file (which the build
compiles). Usage: docs_quotes.py ROOT DOC.md...
"""
import re
import sys


def main(root, docs):
    failures, checked = 0, 0
    for doc in docs:
        text = open(f"{root}/{doc}").read()
        for m in re.finditer(r"<!-- quote: (\S+) -->\n```\w*\n(.*?)```", text, re.S):
            path, block = m.group(1), m.group(2)
            checked += 1
            source = open(f"{root}/{path}").read()
            if block not in source:
                failures += 1
                line = text[: m.start()].count("\n") + 1
                print(f"{doc}:{line}: the block is not a verbatim excerpt of {path}")
    print(f"{checked} quoted blocks checked, {failures} not verbatim")
    return 1 if failures or checked == 0 else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2:]))
