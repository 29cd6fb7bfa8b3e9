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

#include <coroutine>
#include <utility>

#include <weft/detail/intrusive_list.hpp>
#include <weft/detail/promise_base.hpp>
#include <weft/detail/spin_lock.hpp>
#include <weft/error.hpp>

namespace weft {

class event {
    struct waiter : detail::canceller {
        event* ev;
        std::coroutine_handle<> h;
        detail::promise_base* root = nullptr;
        waiter* prev = nullptr;
        waiter* next = nullptr;
        bool installed = false;
        bool cancelled = false;
        bool taken = false;  // set() has taken it off the list (under the lock)

        explicit waiter(event* e) noexcept : canceller{&waiter::on_cancel}, ev(e) {}

        static void on_cancel(canceller* c) noexcept {
            auto* w = static_cast<waiter*>(c);
            event& e = *w->ev;
            e.lock_.lock();
            bool still_waiting = e.unlink(w);  // set() may have taken it already
            e.lock_.unlock();
            if (!still_waiting) return;
            w->cancelled = true;
            detail::schedule(w->root->core_, w->h, detail::schedule_hint::wake);
        }
    };

public:
    event() = default;
    event(const event&) = delete;
    event& operator=(const event&) = delete;

    class wait_awaiter : waiter {
    public:
        explicit wait_awaiter(event* e) noexcept : waiter(e) {}
        bool await_ready() const noexcept { return ev->is_set(); }
        template <class P>
        bool await_suspend(std::coroutine_handle<P> handle) noexcept {
            h = handle;
            root = handle.promise().root_;
            if (!root->install_canceller(this)) {
                cancelled = true;
                return false;
            }
            installed = true;
            root->note_suspend();
            ev->lock_.lock();
            if (ev->set_) {
                ev->lock_.unlock();
                return false;
            }
            ev->waiters_.push_back(this);
            ev->lock_.unlock();
            return true;
        }
        void await_resume() {
            if (installed) root->remove_canceller(this);
            if (cancelled) {
                root->take_cancel();
                throw cancelled_error();
            }
        }
    };

    // Waits until the event is set.
    [[nodiscard]] wait_awaiter wait() noexcept { return wait_awaiter(this); }

    // Sets the event and wakes every waiter.
    void set() noexcept {
        lock_.lock();
        set_ = true;
        detail::intrusive_list<waiter> woken = std::exchange(waiters_, {});
        for (waiter* w = woken.head; w; w = w->next) w->taken = true;
        lock_.unlock();
        while (waiter* w = woken.pop_front())  // unlinked before its task may run
            detail::schedule(w->root->core_, w->h, detail::schedule_hint::wake);
    }

    void clear() noexcept {
        lock_.lock();
        set_ = false;
        lock_.unlock();
    }

    bool is_set() const noexcept {
        lock_.lock();
        bool s = set_;
        lock_.unlock();
        return s;
    }

private:
    // Removes w if it is still listed (set() takes every waiter at once and marks it).
    bool unlink(waiter* w) noexcept {
        if (w->taken) return false;
        waiters_.erase(w);
        return true;
    }

    mutable detail::spin_lock lock_;
    detail::intrusive_list<waiter> waiters_;
    bool set_ = false;
};

}  // namespace weft
