// test_support.hpp — small helpers the core test files share.
#pragma once

#include <cstdint>

#include <weft/config.hpp>

namespace weft::test {

// A runtime config with n workers and every other field at its default.
inline runtime_config workers(std::uint32_t n) {
    runtime_config c;
    c.workers = n;
    return c;
}

}  // namespace weft::test
