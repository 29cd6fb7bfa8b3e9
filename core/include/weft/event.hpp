// weft/event.hpp — event: a flag tasks can wait for (asyncio.Event).
//
// wait() suspends until the event is set (returns at once if it is); set() wakes every
// waiter; clear() makes later waits suspend again. Waiting is a cancellation point: a
// cancelled waiter leaves the wait list at once and throws weft::cancelled_error.
//
//   weft::event ready;
//   co_await ready.wait();      // in many tasks
//   ready.set();                // from any task or thread
//
// Thread safety: every member may be called from any thread; the event must outlive its
// waiters.
#pragma once

#include <atomic>
#include <coroutine>

#include <weft/detail/wait_queue.hpp>

namespace weft {

class event : private detail::wait_owner {
public:
    event() = default;

    class wait_awaiter : detail::sync_waiter {
    public:
        explicit wait_awaiter(event* e) noexcept : sync_waiter(e) {}
        bool await_ready() const noexcept { return ev().is_set(); }
        template <class P>
        bool await_suspend(std::coroutine_handle<P> h) noexcept {
            event& e = ev();
            detail::spin_guard g(e.lock_);
            if (e.set_.load(std::memory_order_relaxed)) return false;
            return enqueue(h, e.waiters_);
        }
        void await_resume() { finish(); }

    private:
        // The owner is the event itself: no second pointer (weft-bench idle_memory counts bytes per waiting task).
        event& ev() const noexcept { return *static_cast<event*>(owner()); }
    };

    // Waits until the event is set.
    [[nodiscard]] wait_awaiter wait() noexcept { return wait_awaiter(this); }

    // Sets the event and wakes every waiter.
    void set() noexcept {
        detail::wake_batch woken;
        detail::spin_guard g(lock_);
        set_.store(true, std::memory_order_release);
        take_all(waiters_, woken);
    }

    void clear() noexcept {
        detail::spin_guard g(lock_);
        set_.store(false, std::memory_order_relaxed);
    }

    // Atomic so that waiting on a set event costs no lock (weft-bench idle_memory wakes a million waiters).
    bool is_set() const noexcept { return set_.load(std::memory_order_acquire); }

private:
    std::atomic<bool> set_{false};
    detail::waiter_list waiters_{this};
};

}  // namespace weft
