// weft/yield.hpp — yield_now(): let every other ready task run before this one continues
// (asyncio's `await asyncio.sleep(0)`). A cancellation point.
//
//   for (int i = 0; i < n; ++i) { crunch(i); co_await weft::yield_now(); }
//
// Thread safety: the task may continue on another worker.
#pragma once

#include <coroutine>

#include <weft/detail/promise_base.hpp>
#include <weft/error.hpp>

namespace weft {

namespace detail {
struct yield_awaiter {
    promise_base* root = nullptr;

    bool await_ready() const noexcept { return false; }
    template <class P>
    bool await_suspend(std::coroutine_handle<P> h) noexcept {
        root = h.promise().root();
        if (root->cancel_requested()) return false;  // deliver it now, without a trip
        root->note_suspend();
        schedule(root->core(), h, schedule_hint::yield);
        return true;
    }
    void await_resume() const {
        if (root->cancel_requested() && root->take_cancel()) throw cancelled_error();
    }
};
}  // namespace detail

// Lets other ready tasks run, then resumes (asyncio.sleep(0)); a cancellation point.
[[nodiscard]] inline detail::yield_awaiter yield_now() noexcept { return {}; }

}  // namespace weft
