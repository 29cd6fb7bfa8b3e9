// park_word.hpp — the futex parker's protocol: one word per worker, with a permit.
//
// States: empty (no permit), parked (the owner sleeps on the word), notified (a permit).
//   - unpark() (any thread) swaps in `notified` and issues a futex wake only when it
//     replaced `parked`, so a busy runtime pays one atomic exchange per wake-up and no
//     system call;
//   - park() (the owner only) consumes a permit if there is one and returns at once; else
//     it turns empty into parked and sleeps while the word says parked; it leaves with the
//     word empty again, consuming the permit that woke it. Every consumption is an
//     acquire RMW, so the caller sees what every unpark() it consumed wrote before it.
// An unpark() before park() is therefore never lost (the permit), and concurrent
// unpark()s coalesce into one. Spurious returns are allowed (the caller re-checks).
// tests/mc/test_mc_parker.cpp model-checks exactly this code.
#pragma once

#include <chrono>
#include <cstdint>
#include <ctime>

#include <weft/detail/atomic.hpp>

#include "os_wait.hpp"

namespace weft::detail {

class park_word {
public:
    // Owner only. Returns on unpark(), on the timeout (negative: none) or spuriously.
    void park(std::chrono::nanoseconds timeout) noexcept {
        std::uint32_t expected = notified;
        if (state_.compare_exchange_strong(expected, empty, std::memory_order_acquire)) return;
        expected = empty;
        if (!state_.compare_exchange_strong(expected, parked, std::memory_order_acquire)) {
            // Only unpark() changes the state besides us: it is `notified` now. Consume the
            // permit with an RMW, not a store: more unpark()s may have landed since the CAS,
            // and what each wrote before its unpark() must be visible to us (a store would
            // swallow their permits without synchronizing with them: tests/mc found it).
            state_.exchange(empty, std::memory_order_acquire);
            return;
        }
        timespec ts{};
        timespec* tsp = nullptr;
        if (timeout.count() >= 0) {
            ts.tv_sec = static_cast<time_t>(timeout.count() / 1'000'000'000);
            ts.tv_nsec = static_cast<long>(timeout.count() % 1'000'000'000);
            tsp = &ts;
        }
        while (state_.load(std::memory_order_acquire) == parked)
            if (futex_wait(state_, parked, tsp) == -ETIMEDOUT) break;
        // Either notified, or timed out: consume whatever is there.
        state_.exchange(empty, std::memory_order_acquire);
    }

    // Any thread.
    void unpark() noexcept {
        if (state_.exchange(notified, std::memory_order_release) == parked) futex_wake(state_, 1);
    }

private:
    enum : std::uint32_t { empty = 0, parked = 1, notified = 2 };
    atomic<std::uint32_t> state_{empty};
};

}  // namespace weft::detail
