#!/usr/bin/env python3
"""Doxygen INPUT_FILTER: reads weft's `//` header comments as documentation.

weft's headers are commented with plain `//` (its style); Doxygen reads `///`. This
filter, run by Doxygen on each header (docs/Doxyfile.in), rewrites the comments that
document something, and leaves every other line as it is (line numbers are kept, so the
reference's warnings point at the real header lines):

- the header's opening block (what the file offers, a usage example, the cancellation and
  thread-safety paragraphs) becomes the file's documentation (`//! \\file`);
- a run of `//` lines directly above a declaration at namespace or class scope (no blank
  line between) documents that declaration (`///`);
- a trailing `// ...` after a member or enumerator at namespace or class scope documents
  it (`///<`; `/**< ... */` when a documentation block follows, which Doxygen would
  otherwise read as its continuation).

Comments inside function bodies, comments followed by a blank line, a preprocessor line
(but #define, which they document), an access specifier or a closing brace are left alone:
they are notes to the reader of the code, not documentation. `namespace detail { ... }`
(and `internal`) blocks are wrapped in `\\cond` / `\\endcond`, and so are out-of-line
definitions of `detail::` functions and explicit instantiation declarations (`extern
template ...;`): Doxygen skips them, as it skips the detail/ headers.
Indented lines in a documentation block (`//   code`) are the headers' examples: they
become `\\code` blocks (unless they are a list: `//   - item`).

Usage: doxygen-filter.py FILE   (prints the filtered file)
"""
import re
import sys

COMMENT = re.compile(r"^(\s*)//(?!/)(.*)$")
TRAILING = re.compile(r"^(.*?[;,])(\s*)//(?!/)(.*)$")
LAST_ENUMERATOR = re.compile(r"^(\s*\w+(?:\s*=\s*[^/]+?)?)(\s*)//(?!/)(.*)$")
# (A quote after a digit is a digit separator, 10'000, not a character literal.)
STRINGS = re.compile(r'"(?:\\.|[^"\\])*"|(?<![0-9A-Fa-f])\'(?:\\.|[^\'\\])*\'')
SCOPE_HEAD = re.compile(r"\b(namespace|class|struct|union|enum)\b")
HIDDEN_NAMESPACE = re.compile(r"\bnamespace\s+(\w+::)*(detail|internal)\b")
NOT_DOCUMENTED = re.compile(r"^\s*(#(?!\s*define\b)|}|$|(public|private|protected)\s*:)")
CODE_LINE = re.compile(r"^ {2,}\S")
LIST_ITEM = re.compile(r"^ +[-*] ")
# An out-of-line definition of a detail function at namespace scope: `inline void detail::f(...)`.
DETAIL_DEFINITION = re.compile(r"^\s*[^(/]*\bdetail::\w+\s*\(")
# An explicit instantiation declaration (`extern template class x<int>;`): not API.
EXTERN_TEMPLATE = re.compile(r"^\s*extern\s+template\b")


def code_part(line):
    """The line without its comment and string literals (for brace counting)."""
    m = COMMENT.match(line)
    if m:
        return ""
    text = STRINGS.sub('""', line)
    cut = text.find("//")
    return text if cut < 0 else text[:cut]


def doc_block(lines, prefix):
    """Rewrites a run of `//` comment lines as a documentation block, line for line."""
    out = []
    parts = [COMMENT.match(l) for l in lines]
    code, in_list = [], False
    for m in parts:
        body = m.group(2)
        if LIST_ITEM.match(body):  # "//   - item" and its indented continuation: a list
            in_list = True
        elif not body.startswith("  "):
            in_list = False
        code.append(bool(CODE_LINE.match(body)) and not in_list)
    for k, m in enumerate(parts):
        indent, body = m.group(1), m.group(2)
        if code[k]:
            starts = k == 0 or not code[k - 1]
            ends = k + 1 == len(parts) or not code[k + 1]
            body = (" \\code{.cpp}" if starts else "") + body + (" \\endcode" if ends else "")
        out.append(f"{indent}{prefix}{body}")
    return out


def filter_text(text):
    lines = text.split("\n")
    out = []
    # One entry per open brace: "scope" for a namespace or class ("enum" for an enum), "body"
    # for a function body or an initializer, "hidden" for namespace detail / internal.
    stack = []
    head = ""  # code since the last ; { or }: decides what a { opens
    hide_until = None  # inside a hidden detail:: definition: the depth that ends it
    i = 0
    first_block = True
    while i < len(lines):
        at_scope = all(k in ("scope", "enum") for k in stack)
        if COMMENT.match(lines[i]):
            j = i
            while j < len(lines) and COMMENT.match(lines[j]):
                j += 1
            run = lines[i:j]
            if first_block and i == 0:
                block = doc_block(run, "//!")
                block[0] = block[0].replace("//!", "//! \\file", 1)
                out.extend(block)
            elif at_scope and j < len(lines) and not NOT_DOCUMENTED.match(lines[j]):
                if out and "///<" in out[-1]:
                    # Doxygen would read this block as the rest of the line above's `///<`:
                    # close that one as a C comment.
                    head_, _, tail = out[-1].partition("///<")
                    out[-1] = f"{head_}/**<{tail.replace('*/', '* /')} */"
                out.extend(doc_block(run, "///"))
            else:
                out.extend(run)
            first_block = False
            i = j
            continue
        first_block = False
        line = lines[i]
        m = TRAILING.match(line)
        if not m and stack and stack[-1] == "enum":
            m = LAST_ENUMERATOR.match(line)
        if at_scope and m and "//" not in STRINGS.sub('""', m.group(1)):
            line = f"{m.group(1)}{m.group(2)}///<{m.group(3)}"
        code = code_part(lines[i])
        prefix, suffix_at = "", None
        if at_scope and hide_until is None and (DETAIL_DEFINITION.match(code) or EXTERN_TEMPLATE.match(code)):
            prefix, hide_until = "/** \\cond */ ", len(stack)  # hidden up to its last brace
        for pos, ch in enumerate(code):
            if ch == "{":
                if "hidden" not in stack and HIDDEN_NAMESPACE.search(head):
                    stack.append("hidden")
                    prefix = "/** \\cond */ "  # Doxygen skips weft::detail's code entirely
                elif SCOPE_HEAD.search(head) and all(k == "scope" for k in stack):
                    stack.append("enum" if re.search(r"\benum\b", head) else "scope")
                else:
                    stack.append("body")
                head = ""
            elif ch == "}":
                if stack and stack.pop() == "hidden":
                    suffix_at = pos + 1
                if hide_until is not None and len(stack) == hide_until:
                    suffix_at, hide_until = pos + 1, None
                head = ""
            elif ch == ";":
                if hide_until is not None and len(stack) == hide_until:  # a declaration: no body
                    suffix_at, hide_until = pos + 1, None
                head = ""
            else:
                head += ch
        head += " "
        if suffix_at is not None:
            line = line[:suffix_at] + " /** \\endcond */" + line[suffix_at:]
        out.append(prefix + line)
        i += 1
    return "\n".join(out)


if __name__ == "__main__":
    with open(sys.argv[1], encoding="utf-8") as f:
        sys.stdout.write(filter_text(f.read()))
