// sync_test_support.hpp — what the sync-primitive tests share: a paused-time runtime
// config, a bounded wait for a condition, and a task that reports once it is waiting.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <thread>

#include <weft/clock.hpp>
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

// From a plain thread, with paused time: advances time by `step` until `done` holds,
// waiting up to 100 ms of real time after each step; false after ~10 s. A task that has
// said it is waiting may not have armed its timeout yet (it counts before its co_await),
// and a timeout armed after an advance counts from the new time, so one advance after a
// fixed sleep is a race a loaded machine loses (a CI hang, core/event@io_uring). Only for
// tests where moving time further than `step` changes nothing they check.
template <class Pred>
bool advance_until(runtime& rt, std::chrono::nanoseconds step, Pred done) {
    for (int i = 0; i < 100; ++i) {
        advance_time(rt, step);
        for (int j = 0; j < 100 && !done(); ++j) std::this_thread::sleep_for(std::chrono::milliseconds(1));
        if (done()) return true;
    }
    return false;
}

}  // namespace weft::test
