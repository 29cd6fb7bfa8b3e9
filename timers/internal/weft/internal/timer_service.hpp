// weft/internal/timer_service.hpp — a worker's timers: its timer_wheel behind a small lock,
// and the runtime's clock (shared by all workers: the steady clock, or a paused clock that
// only moves when advance_time() says so).
//
// Internal to weft: the timers module owns it; the io module builds on it (each worker's
// reactor is a timer_service whose parker is the I/O driver). Not installed.
//
//   timer_service* svc = current_timer_service();          // on a worker, else nullptr
//   svc->arm_and(&waiter, svc->ticks_at(deadline), install_canceller);
//
// Who touches it: the owner worker arms timers (a task on it sleeps) and advances the wheel
// (poll); any thread may disarm a timer (a cancel() of the sleeping task), and an idle
// worker may poll a stuck peer's wheel (io's help_peers). The lock is held for O(1) work
// each time. Whoever unlinks a node — expiry under poll(), or cancel — is the one that
// resumes its task, so a task is resumed exactly once, and a cancelled sleeper's node is out
// of the wheel before the task moves on.
#pragma once

#include <atomic>
#include <chrono>
#include <coroutine>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include <weft/detail/promise_base.hpp>
#include <weft/detail/spin_lock.hpp>
#include <weft/detail/timer_node.hpp>
#include <weft/detail/worker_services.hpp>
#include <weft/internal/timer_wheel.hpp>
#include <weft/timer_config.hpp>

namespace weft::detail {

using timer_clock = std::chrono::steady_clock;

// The clock of one runtime, shared by the timer services of its workers.
struct runtime_clock {
    const bool paused;
    const timer_clock::duration tick;  // timer_config::tick_us
    const timer_clock::time_point start = timer_clock::now();
    std::atomic<std::int64_t> paused_offset_ns{0};  // paused: how far advance_time() moved it

    runtime_clock(bool p, std::chrono::microseconds tick_length) : paused(p), tick(tick_length) {}
    timer_clock::time_point now() const noexcept {
        if (!paused) return timer_clock::now();
        return start + std::chrono::nanoseconds(paused_offset_ns.load(std::memory_order_acquire));
    }
};

// The timers module's part of a runtime: the clock. The io module's runtime services
// derive from it.
class timer_runtime : public runtime_services {
public:
    explicit timer_runtime(const timer_config& cfg) : clock_(cfg.paused, std::chrono::microseconds(cfg.tick_us)) {}

    std::unique_ptr<worker_services> make_worker(runtime_core& core, std::uint32_t index) override;
    std::string describe() const override { return "core + timers"; }
    runtime_clock& clock() noexcept { return clock_; }

private:
    runtime_clock clock_;
};

// A worker's timers. With the timers stack alone it parks on a futex; the io module's
// reactor derives from it and passes its I/O driver as the parker.
class timer_service : public worker_services {
public:
    timer_service(runtime_core& core, runtime_clock& clock, std::unique_ptr<parker> p)
        : worker_services(std::move(p)), core_(core), clock_(clock) {}

    void attach() noexcept override;
    void detach() noexcept override;
    std::chrono::nanoseconds park_timeout() noexcept override;
    void poll() noexcept override { fire_due(); }

    // Fires the due timers (any thread holding the right to poll this worker).
    void fire_due() noexcept;
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
};

// The timer service of the worker running on this thread; nullptr off the workers, and on
// the workers of a runtime built without timers (core_stack).
timer_service* current_timer_service() noexcept;

// The clock of a runtime; throws weft::error if it was built without timers.
runtime_clock& clock_of(runtime_core& core);

}  // namespace weft::detail
