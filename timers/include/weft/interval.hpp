// weft/interval.hpp — interval: periodic ticks for periodic work (tokio's interval).
//
// The first tick completes at once; tick n is due at start + n * period. When a tick is
// late (the task ran long, a worker was blocked), the missed-tick policy decides:
//   - skip (default): the late tick fires now, and the next one is the next due time on
//     the original schedule; missed ticks are dropped. This keeps the phase and never
//     bursts after a stall, which is what periodic jobs (flushes, health checks, metrics)
//     usually want: a burst would hit whatever they talk to right when it may be struggling.
//   - burst: every missed tick fires, back to back, until the schedule is caught up (for
//     work that must run once per period, like counting).
//   - delay: the late tick fires now and the schedule restarts from it (now + period).
//
//   weft::interval every(1s);
//   while (running) { co_await every.tick(); flush(); }
//
// Thread safety: an interval belongs to one task (it may move between workers).
#pragma once

#include <chrono>

#include <weft/clock.hpp>
#include <weft/error.hpp>
#include <weft/sleep.hpp>

namespace weft {

// What an interval does with ticks that are late (see the header).
enum class missed_tick_policy { skip, burst, delay };

// Periodic ticks (tokio's interval; see the header).
class interval {
public:
    // The clock ticks are measured on.
    using clock = std::chrono::steady_clock;

    // Ticks every period (which must be positive: else weft::error), late ticks handled by policy.
    template <class Rep, class Period>
    explicit interval(std::chrono::duration<Rep, Period> period, missed_tick_policy policy = missed_tick_policy::skip)
        : period_(std::chrono::ceil<clock::duration>(period)), policy_(policy), next_(weft::now()) {
        if (period_ <= clock::duration::zero()) throw error("weft::interval: the period must be positive");
    }

    // Waits for the next tick (a cancellation point).
    [[nodiscard]] detail::sleep_awaiter tick() {
        const clock::time_point now = weft::now();
        const clock::time_point due = next_;
        // Measured against the runtime's clock (weft/clock.hpp), like the sleep below.
        switch (policy_) {
            case missed_tick_policy::burst:
                next_ = due + period_;
                break;
            case missed_tick_policy::delay:
                next_ = (due < now ? now : due) + period_;
                break;
            case missed_tick_policy::skip:
                next_ = due + period_;
                if (next_ <= now) next_ += period_ * ((now - next_) / period_ + 1);
                break;
        }
        return sleep_until(due);
    }

    // When the tick after the pending one is due.
    clock::time_point next_deadline() const noexcept { return next_; }
    // The time between ticks.
    clock::duration period() const noexcept { return period_; }
    // What happens to late ticks.
    missed_tick_policy policy() const noexcept { return policy_; }
    // Restarts the schedule: the next tick is one period from now.
    void reset() { next_ = weft::now() + period_; }

private:
    clock::duration period_;
    missed_tick_policy policy_;
    clock::time_point next_;
};

}  // namespace weft
