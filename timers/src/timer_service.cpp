// timer_service.cpp — a worker's timers (see weft/internal/timer_service.hpp). The timers
// module's runtime services are in timer_runtime.cpp: this file is the protocol alone,
// which the model checker (tests/mc/test_mc_timer.cpp) compiles as it ships.
#include <weft/internal/timer_service.hpp>
#include <weft/metrics.hpp>

#include <mutex>

namespace weft::detail {
namespace {
[[gnu::tls_model("initial-exec")]] thread_local timer_service* tl_timer_service = nullptr;
}  // namespace

timer_service* current_timer_service() noexcept { return tl_timer_service; }

void timer_service::attach() noexcept { tl_timer_service = this; }
void timer_service::detach() noexcept { tl_timer_service = nullptr; }

std::uint64_t timer_service::ticks_at(timer_clock::time_point t) const noexcept {
    if (t <= clock_.start) return 0;
    auto d = t - clock_.start;
    auto ticks = static_cast<std::uint64_t>(d / clock_.tick);
    return d % clock_.tick == timer_clock::duration::zero() ? ticks : ticks + 1;
}

void timer_service::add_metrics(worker_metrics& m) {
    std::lock_guard lock(lock_);
    m.timers_armed += wheel_.size();
}

std::uint64_t timer_service::now_ticks() const noexcept {
    auto t = clock_.now();
    return t <= clock_.start ? 0 : static_cast<std::uint64_t>((t - clock_.start) / clock_.tick);
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
    if (*next <= now_ticks()) return std::chrono::nanoseconds(0);
    // Paused time moves only through advance_time(), which wakes every worker.
    if (clock_.paused) return std::chrono::nanoseconds(-1);
    auto due = clock_.start + *next * clock_.tick;
    auto now = timer_clock::now();
    return due <= now ? std::chrono::nanoseconds(0) : std::chrono::ceil<std::chrono::nanoseconds>(due - now);
}

void timer_service::fire_due() noexcept {
    timer_waiter* fired = nullptr;
    {
        std::lock_guard lock(lock_);
        if (wheel_.empty()) return;  // the common case on a busy worker: no clock read
        const std::uint64_t now = now_ticks();
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
