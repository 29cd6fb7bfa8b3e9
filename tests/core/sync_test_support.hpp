// sync_test_support.hpp — what the sync-primitive tests share: a paused-time runtime
// config, a bounded wait for a condition, and a task that reports once it is waiting.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <thread>

#include <weft/runtime.hpp>
#include <weft/timer_config.hpp>
#include <weft/timers_stack.hpp>
#include <weft/yield.hpp>

#include "test_support.hpp"

namespace weft::test {

// Time stands still until advance_time(): weft::timeout then fires exactly when told.
inline runtime_config paused(std::uint32_t n) {
    auto c = workers(n);
    c.section<timer_config>().paused = true;
    return c;
}

// From a task: yields until `pred` holds; false after 10 s of real time (every loop is
// bounded, by time rather than by a count: a count of yields passes in a millisecond while
// another worker may need longer to be scheduled on a loaded machine). Callers pass lambdas
// with reference captures only: gcc 12 destroys a lambda temporary in co_await twice, which
// is harmless only for trivially destructible captures (docs/architecture.md, "Compilers").
template <class Pred>
task<bool> yield_until(Pred pred) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!pred()) {
        if (std::chrono::steady_clock::now() > deadline) co_return false;
        co_await yield_now();
    }
    co_return true;
}

// From a plain thread: sleeps until `pred` holds, for at most ~10 s.
template <class Pred>
bool wait_until(Pred pred) {
    for (int i = 0; i < 10'000 && !pred(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    return pred();
}

}  // namespace weft::test
