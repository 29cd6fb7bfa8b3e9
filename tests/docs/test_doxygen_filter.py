#!/usr/bin/env python3
"""Checks scripts/doxygen-filter.py on a header written the way weft's are: which `//`
comments become documentation, that weft::detail is hidden from Doxygen, that examples
become code blocks, and that every line keeps its number. Exits non-zero, naming the
first difference. Usage: test_doxygen_filter.py SCRIPTS_DIR
"""
import importlib.util
import os
import sys

HEADER = """\
// weft/thing.hpp — thing: what it offers.
//
//   weft::thing t;
//   co_await t.wait();
//
//   - a list item,
//     and its continuation
//
// Thread safety: any thread.
#pragma once

// A macro.
#define WEFT_THING 1
// Not documentation: an #include follows.
#include <cstddef>

namespace weft {

namespace detail {
// Not API.
struct helper {
    int x;  // not API either
};
}  // namespace detail

// A thing.
class thing {
public:
    // Waits for it.
    void wait();
    int count = 0;  // how many
    long timeout{10'000};  // a digit separator's quote, not a character literal
    // Documented after a trailing comment (not read as that comment's continuation).
    int after = 0;

    void go() {
        // a note inside a body
        int y = 0;  // a note too
        (void)y;
    }

    // A section note, followed by a blank line.

    void undocumented();

private:
    // Private, documented: Doxygen leaves it out (EXTRACT_PRIVATE = NO).
    int z_ = 0;
};

enum class colour {
    red,   // the first
    green  // the last
};

inline void detail::helper_done(thing* t) noexcept { t->go(); }
inline int detail::helper_count(const thing& t) noexcept {
    return t.count;
}

extern template class thing_of<int>;

}  // namespace weft
"""

EXPECTED = """\
//! \\file weft/thing.hpp — thing: what it offers.
//!
//! \\code{.cpp}   weft::thing t;
//!   co_await t.wait(); \\endcode
//!
//!   - a list item,
//!     and its continuation
//!
//! Thread safety: any thread.
#pragma once

/// A macro.
#define WEFT_THING 1
// Not documentation: an #include follows.
#include <cstddef>

namespace weft {

/** \\cond */ namespace detail {
// Not API.
struct helper {
    int x;  // not API either
};
} /** \\endcond */  // namespace detail

/// A thing.
class thing {
public:
    /// Waits for it.
    void wait();
    int count = 0;  ///< how many
    long timeout{10'000};  /**< a digit separator's quote, not a character literal */
    /// Documented after a trailing comment (not read as that comment's continuation).
    int after = 0;

    void go() {
        // a note inside a body
        int y = 0;  // a note too
        (void)y;
    }

    // A section note, followed by a blank line.

    void undocumented();

private:
    /// Private, documented: Doxygen leaves it out (EXTRACT_PRIVATE = NO).
    int z_ = 0;
};

enum class colour {
    red,   ///< the first
    green  ///< the last
};

/** \\cond */ inline void detail::helper_done(thing* t) noexcept { t->go(); } /** \\endcond */
/** \\cond */ inline int detail::helper_count(const thing& t) noexcept {
    return t.count;
} /** \\endcond */

/** \\cond */ extern template class thing_of<int>; /** \\endcond */

}  // namespace weft
"""


def main():
    path = os.path.join(sys.argv[1], "doxygen-filter.py")
    spec = importlib.util.spec_from_file_location("doxygen_filter", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    got = module.filter_text(HEADER)
    if got.count("\n") != HEADER.count("\n"):
        print(f"line count changed: {HEADER.count(chr(10))} -> {got.count(chr(10))}", file=sys.stderr)
        return 1
    for n, (g, w) in enumerate(zip(got.split("\n"), EXPECTED.split("\n")), 1):
        if g != w:
            print(f"line {n}:\n  got:      {g!r}\n  expected: {w!r}", file=sys.stderr)
            return 1
    print("doxygen-filter: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
