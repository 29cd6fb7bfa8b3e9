// timer_service.cpp — a worker's timers (see timer_service.hpp), and the link-time hook
// that gives every worker its timer service.
#include "timer_service.hpp"

#include <mutex>

namespace weft::detail {

std::unique_ptr<worker_hooks> make_worker_hooks(runtime_core& core, std::uint32_t) {
    return std::make_unique<timer_service>(core);
}

std::uint64_t timer_service::elapsed_ticks(timer_clock::time_point t) const noexcept {
    if (t <= start_) return 0;
    return static_cast<std::uint64_t>((t - start_) / tick_length);
}

std::uint64_t timer_service::ticks_at(timer_clock::time_point t) const noexcept {
    if (t <= start_) return 0;
    auto d = t - start_;
    auto ticks = static_cast<std::uint64_t>(d / tick_length);
    return d % tick_length == timer_clock::duration::zero() ? ticks : ticks + 1;
}

void timer_service::arm(timer_waiter* w, std::uint64_t deadline) noexcept {
    std::lock_guard lock(lock_);
    wheel_.insert(w, deadline);
}

bool timer_service::disarm(timer_waiter* w) noexcept {
    std::lock_guard lock(lock_);
    return wheel_.remove(w);
}

std::chrono::nanoseconds timer_service::park_timeout() noexcept {
    std::optional<std::uint64_t> next;
    {
        std::lock_guard lock(lock_);
        next = wheel_.next_expiration();
    }
    if (!next) return std::chrono::nanoseconds(-1);
    auto due = start_ + *next * tick_length;
    auto now = timer_clock::now();
    return due <= now ? std::chrono::nanoseconds(0) : std::chrono::ceil<std::chrono::nanoseconds>(due - now);
}

void timer_service::poll() noexcept {
    const std::uint64_t now = now_ticks();
    timer_waiter* fired = nullptr;
    {
        std::lock_guard lock(lock_);
        if (wheel_.empty()) return;
        auto next = wheel_.next_expiration();
        if (!next || *next > now) return;
        wheel_.advance(now, [&fired](timer_node* n) {  // unlinked: `next` is free to use
            n->next = fired;
            fired = static_cast<timer_waiter*>(n);
        });
    }
    // Resume outside the lock (a resumed task may arm or cancel timers). Read the link
    // first: once scheduled, the task may run and its waiter may be gone.
    while (fired) {
        timer_waiter* w = fired;
        fired = static_cast<timer_waiter*>(w->next);
        w->next = nullptr;
        schedule(&core_, w->task, schedule_hint::wake);
    }
}

}  // namespace weft::detail
