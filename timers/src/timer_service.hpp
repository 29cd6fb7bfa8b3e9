// timer_service.hpp — a worker's timers: its timer_wheel behind a small lock, and the
// clock the runtime counts ticks with (1 ms).
//
// Who touches it: the owner worker arms timers (a task on it sleeps) and advances the wheel
// (poll); any thread may disarm a timer (a cancel() of the sleeping task). The lock is held
// for O(1) work each time. Whoever unlinks a node — expiry under poll(), or cancel — is the
// one that resumes its task, so a task is resumed exactly once, and a cancelled sleeper's
// node is out of the wheel before the task moves on.
#pragma once

#include <chrono>
#include <coroutine>
#include <cstdint>

#include <weft/detail/promise_base.hpp>
#include <weft/detail/spin_lock.hpp>
#include <weft/detail/worker_hooks.hpp>

#include <weft/detail/timer_node.hpp>

#include "timer_wheel.hpp"

namespace weft::detail {

using timer_clock = std::chrono::steady_clock;
inline constexpr std::chrono::milliseconds tick_length{1};

class timer_service final : public worker_hooks {
public:
    explicit timer_service(runtime_core& core) : core_(core), start_(timer_clock::now()) {}

    std::chrono::nanoseconds park_timeout() noexcept override;
    void poll() noexcept override;

    // Ticks since the runtime started, rounded up (a timer never fires early).
    std::uint64_t ticks_at(timer_clock::time_point t) const noexcept;
    std::uint64_t now_ticks() const noexcept { return elapsed_ticks(timer_clock::now()); }

    // Owner thread. Arms w for `deadline` (in ticks).
    void arm(timer_waiter* w, std::uint64_t deadline) noexcept;
    // Any thread. True if w was still armed (the caller now owns its resumption).
    bool disarm(timer_waiter* w) noexcept;

private:
    std::uint64_t elapsed_ticks(timer_clock::time_point t) const noexcept;

    runtime_core& core_;
    const timer_clock::time_point start_;
    spin_lock lock_;
    timer_wheel wheel_;
};

// The timer service of the worker running on this thread (nullptr off the workers).
inline timer_service* current_timer_service() noexcept { return static_cast<timer_service*>(current_worker_hooks()); }

}  // namespace weft::detail
