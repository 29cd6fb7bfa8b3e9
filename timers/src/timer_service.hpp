// timer_service.hpp — a worker's timers: its timer_wheel behind a small lock, and the
// runtime's clock (shared by all workers: the steady clock, or a paused clock that only
// moves when advance_time() says so).
//
// Who touches it: the owner worker arms timers (a task on it sleeps) and advances the wheel
// (poll); any thread may disarm a timer (a cancel() of the sleeping task). The lock is held
// for O(1) work each time. Whoever unlinks a node — expiry under poll(), or cancel — is the
// one that resumes its task, so a task is resumed exactly once, and a cancelled sleeper's
// node is out of the wheel before the task moves on.
#pragma once

#include <atomic>
#include <chrono>
#include <coroutine>
#include <cstdint>
#include <memory>
#include <mutex>

#include <weft/detail/promise_base.hpp>
#include <weft/detail/spin_lock.hpp>
#include <weft/detail/timer_node.hpp>
#include <weft/detail/parker.hpp>
#include <weft/detail/worker_hooks.hpp>

#include "timer_wheel.hpp"

namespace weft::detail {

using timer_clock = std::chrono::steady_clock;

// The clock of one runtime, shared by the timer services of its workers.
struct runtime_clock {
    const bool paused;
    const timer_clock::duration tick;  // runtime_config::timer_tick_us
    const timer_clock::time_point start = timer_clock::now();
    std::atomic<std::int64_t> paused_offset_ns{0};  // paused: how far advance_time() moved it

    runtime_clock(bool p, std::chrono::microseconds tick_length) : paused(p), tick(tick_length) {}
    timer_clock::time_point now() const noexcept {
        if (!paused) return timer_clock::now();
        return start + std::chrono::nanoseconds(paused_offset_ns.load(std::memory_order_acquire));
    }
};

// The timer part of a worker's hooks. On its own it parks on a futex; the io module's
// reactor derives from it and parks in the I/O driver's wait instead.
class timer_service : public worker_hooks {
public:
    explicit timer_service(runtime_core& core, runtime_clock& clock)
        : core_(core), clock_(clock), parker_(make_futex_parker()) {}

    std::chrono::nanoseconds park_timeout() noexcept override;
    void poll() noexcept override;  // fires the due timers
    void park(std::chrono::nanoseconds timeout) override { parker_->park(timeout); }
    void unpark() noexcept override { parker_->unpark(); }
    runtime_core& core() const noexcept { return core_; }
    // Any thread: is any timer armed here?
    bool has_timers() noexcept {
        std::lock_guard lock(lock_);
        return !wheel_.empty();
    }

    timer_clock::time_point now() const noexcept { return clock_.now(); }
    // The tick a deadline falls in, rounded up (a timer never fires early).
    std::uint64_t ticks_at(timer_clock::time_point t) const noexcept;
    std::uint64_t now_ticks() const noexcept;

    // Owner thread. Arms w for `deadline` (in ticks).
    void arm(timer_waiter* w, std::uint64_t deadline) noexcept;
    // Any thread. True if w was still armed (the caller now owns its resumption).
    bool disarm(timer_waiter* w) noexcept;
    // Owner thread. Arms w and, under the same lock, calls install() (which installs the
    // sleeper's canceller): nobody — an idle worker firing this wheel for us, or a cancel —
    // can resume the sleeper before both are done. If install() fails, w is disarmed again.
    template <class F>
    bool arm_and(timer_waiter* w, std::uint64_t deadline, F install) noexcept {
        std::lock_guard lock(lock_);
        wheel_.insert(w, deadline);
        if (install()) return true;
        wheel_.remove(w);
        return false;
    }

private:
    runtime_core& core_;
    runtime_clock& clock_;
    spin_lock lock_;
    timer_wheel wheel_;
    std::unique_ptr<parker> parker_;
};

// The timer service of the worker running on this thread (nullptr off the workers).
inline timer_service* current_timer_service() noexcept { return static_cast<timer_service*>(current_worker_hooks()); }

// The clock of a runtime (created with its first worker's hooks).
runtime_clock& clock_of(runtime_core& core);

}  // namespace weft::detail
