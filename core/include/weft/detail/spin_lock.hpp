// weft/detail/spin_lock.hpp — a test-and-test-and-set lock for critical sections of a few instructions
// (linking a task into the registry). Never held across anything that can block.
#pragma once

#include <weft/detail/atomic.hpp>

#include <weft/detail/promise_base.hpp>

namespace weft::detail {

class spin_lock {
public:
    void lock() noexcept {
        while (locked_.exchange(true, std::memory_order_acquire))
            while (locked_.load(std::memory_order_relaxed)) cpu_relax();
    }
    bool try_lock() noexcept {
        return !locked_.load(std::memory_order_relaxed) && !locked_.exchange(true, std::memory_order_acquire);
    }
    void unlock() noexcept { locked_.store(false, std::memory_order_release); }

private:
    atomic<bool> locked_{false};
};

}  // namespace weft::detail
