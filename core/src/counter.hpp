// counter.hpp — a metrics counter written by one thread and read by any.
// A relaxed load+store instead of a locked RMW: the owner is the only writer.
#pragma once

#include <atomic>
#include <cstdint>

namespace weft::detail {

class counter {
public:
    void add(std::uint64_t n = 1) noexcept {
        v_.store(v_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
    }
    std::uint64_t get() const noexcept { return v_.load(std::memory_order_relaxed); }

private:
    std::atomic<std::uint64_t> v_{0};
};

}  // namespace weft::detail
