// weft/latch.hpp — latch: a single-use countdown tasks can wait on (std::latch for tasks).
//
// count_down(n) lowers the counter; once it reaches zero every waiter is released and later
// waits return at once. arrive_and_wait() counts down and waits. Waiting is a cancellation
// point; a cancelled waiter leaves without a trace (its count_down, if any, stays counted).
//
//   weft::latch ready(3);
//   // in each of three workers:  ready.count_down();
//   co_await ready.wait();      // all three have arrived
//
// Thread safety: every member may be called from any thread; the latch must outlive its
// waiters.
#pragma once

#include <coroutine>
#include <cstddef>

#include <weft/detail/wait_queue.hpp>
#include <weft/error.hpp>

namespace weft {

// A single-use countdown tasks can wait for (std::latch for tasks).
class latch : private detail::wait_owner {
public:
    // A latch that opens after `count` count_down()s (at once if count is 0).
    explicit latch(std::size_t count) noexcept : count_(count) {}

    // Throws weft::error if n exceeds what is left.
    void count_down(std::size_t n = 1) {
        detail::wake_batch woken;
        detail::spin_guard g(lock_);
        if (n > count_) throw error("weft::latch::count_down: below zero");
        count_ -= n;
        if (count_ == 0) take_all(waiters_, woken);
    }

    // True once the count has reached zero (never waits).
    bool try_wait() const noexcept {
        detail::spin_guard g(lock_);
        return count_ == 0;
    }

    class wait_awaiter : detail::sync_waiter {
    public:
        explicit wait_awaiter(latch* l) noexcept : sync_waiter(l) {}
        bool await_ready() const noexcept { return false; }
        template <class P>
        bool await_suspend(std::coroutine_handle<P> h) noexcept {
            auto& l = *static_cast<latch*>(owner());
            detail::spin_guard g(l.lock_);
            if (l.count_ == 0) return false;
            return enqueue(h, l.waiters_);
        }
        void await_resume() { finish(); }
    };

    // Waits until the count reaches zero.
    [[nodiscard]] wait_awaiter wait() noexcept { return wait_awaiter(this); }
    // count_down(n), then wait().
    [[nodiscard]] wait_awaiter arrive_and_wait(std::size_t n = 1) {
        count_down(n);
        return wait();
    }

private:
    std::size_t count_;
    detail::waiter_list waiters_{this, detail::sync_kind::latch};
};

}  // namespace weft
