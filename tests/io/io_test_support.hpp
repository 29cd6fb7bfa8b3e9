// io_test_support.hpp — every I/O test runs under both drivers: a fixture parameterised
// by io_driver_kind, and small helpers the io test files share.
#pragma once

#include <gtest/gtest.h>

#include <dirent.h>

#include <cstddef>
#include <cstdint>
#include <random>
#include <span>
#include <string>
#include <vector>

#include <weft/io_config.hpp>
#include <weft/io_stack.hpp>
#include <weft/runtime.hpp>

namespace weft::test {

class io_test : public ::testing::TestWithParam<io_driver_kind> {
protected:
    runtime_config config(std::uint32_t workers) const {
        runtime_config c;
        c.workers = workers;
        c.section<io_config>().driver = GetParam();
        return c;
    }
};

inline std::string driver_name(const ::testing::TestParamInfo<io_driver_kind>& info) { return to_string(info.param); }

#define WEFT_IO_TEST_SUITE(suite)                                                                            \
    INSTANTIATE_TEST_SUITE_P(drivers, suite,                                                                 \
                             ::testing::Values(weft::io_driver_kind::epoll, weft::io_driver_kind::io_uring), \
                             weft::test::driver_name)

inline std::vector<std::byte> random_bytes(std::size_t n, std::uint32_t seed) {
    std::vector<std::byte> v(n);
    std::mt19937 rng(seed);
    for (auto& b : v) b = static_cast<std::byte>(rng());
    return v;
}

// FNV-1a, for comparing what arrived with what was sent.
inline std::uint64_t checksum(std::span<const std::byte> data, std::uint64_t h = 1469598103934665603ull) {
    for (std::byte b : data) h = (h ^ static_cast<std::uint64_t>(b)) * 1099511628211ull;
    return h;
}

// Open descriptors of this process (for leak checks).
inline int open_fds() {
    int n = 0;
    if (DIR* d = ::opendir("/proc/self/fd")) {
        while (::readdir(d)) ++n;
        ::closedir(d);
    }
    return n;
}

}  // namespace weft::test
