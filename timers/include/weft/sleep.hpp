// weft/sleep.hpp — sleep_for and sleep_until: asyncio's `await asyncio.sleep(d)`.
//
// The task is suspended (its worker runs other tasks) and resumed no earlier than the
// deadline, on the worker whose timer wheel it was armed in, at 1 ms resolution. Sleeping
// is a cancellation point: a cancelled sleeper wakes at once with weft::cancelled_error, and
// its timer is removed right away (not when the deadline passes). A duration of zero or
// less yields instead (like asyncio.sleep(0)).
//
//   co_await weft::sleep_for(std::chrono::milliseconds(250));
//   co_await weft::sleep_until(weft::now() + 1s);
//
// Thread safety: awaited from a task; the task may be cancelled from any thread.
#pragma once

#include <chrono>
#include <coroutine>
#include <cstdint>

#include <weft/clock.hpp>
#include <weft/detail/promise_base.hpp>
#include <weft/detail/timer_node.hpp>
#include <weft/error.hpp>
#include <weft/timers_stack.hpp>

namespace weft {

namespace detail {

void sleep_on_cancel(canceller* c) noexcept;

// The state of one sleep, in the sleeping task's frame.
struct sleep_state : canceller {
    timer_waiter waiter;
    void* service = nullptr;  // the timer_service the timer is armed in
    promise_base* root = nullptr;
    bool installed = false;
    bool cancelled = false;
    bool yielded = false;
    bool is_relative = false;  // sleep_for: the deadline is now() + the stored duration
    bool no_timers = false;    // not on a worker of a runtime with timers

    sleep_state() noexcept : canceller{&sleep_on_cancel} {}
};

// Arms the sleep in the current worker's timer wheel (timers/src/sleep.cpp) until
// `deadline`, or for `relative` from the runtime's now() if `is_relative`. Returns false if
// the task must not suspend (cancellation already requested).
bool begin_sleep(sleep_state& st, std::coroutine_handle<> h, promise_base* root,
                 std::chrono::steady_clock::time_point deadline, bool is_relative,
                 std::chrono::steady_clock::duration relative) noexcept;
void end_sleep(sleep_state& st) noexcept;

class sleep_awaiter : sleep_state {
public:
    explicit sleep_awaiter(std::chrono::steady_clock::time_point deadline) noexcept : when_(deadline) {}
    // A duration is kept in the same field (as a time since the epoch) to keep the frame small.
    explicit sleep_awaiter(std::chrono::steady_clock::duration d) noexcept : when_(d) { is_relative = true; }

    bool await_ready() const noexcept { return false; }

    template <class P>
    bool await_suspend(std::coroutine_handle<P> h) noexcept {
        return begin_sleep(*this, h, h.promise().root(), when_, is_relative, when_.time_since_epoch());
    }

    void await_resume() {
        if (no_timers)
            throw error(
                "weft::sleep: no timers here (not on a weft worker, or the runtime was built with "
                "weft::core_stack)");
        end_sleep(*this);
        if (cancelled) {
            root->take_cancel();
            throw cancelled_error();
        }
        if (yielded && root->cancel_requested() && root->take_cancel()) throw cancelled_error();
    }

private:
    std::chrono::steady_clock::time_point when_;
};

// Every sleeping task carries one in its frame (weft-bench's sleep_memory counts bytes per
// sleeping task): keep it from growing unnoticed.
static_assert(sizeof(sleep_awaiter) <= 80, "sleep_awaiter grew: check weft-bench --scenario sleep_memory");

}  // namespace detail

[[nodiscard]] inline detail::sleep_awaiter sleep_until(std::chrono::steady_clock::time_point deadline) noexcept {
    return detail::sleep_awaiter(deadline);
}

// Measured from the runtime's now() (weft/clock.hpp) when the sleep starts.
template <class Rep, class Period>
[[nodiscard]] detail::sleep_awaiter sleep_for(std::chrono::duration<Rep, Period> d) noexcept {
    if (d <= d.zero()) return detail::sleep_awaiter(std::chrono::steady_clock::duration::zero());
    return detail::sleep_awaiter(std::chrono::ceil<std::chrono::steady_clock::duration>(d));
}

}  // namespace weft
