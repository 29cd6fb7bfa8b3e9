// weft/condition_variable.hpp — condition_variable: wait for a condition guarded by a
// weft::mutex (asyncio.Condition).
//
// wait(m) atomically releases m and waits for a notify, then re-acquires m before it
// returns — also when it ends by cancellation (it then throws cancelled_error holding the
// lock, as std::condition_variable's wait always returns locked). notify_one() wakes the
// longest waiter, notify_all() every waiter; a notify with nobody waiting is not remembered.
// A cancelled waiter leaves without a trace, and a notify_one that reached it before the
// cancel is kept (the wake-up is not lost: the task returns normally and is cancelled at its
// next suspension point). Use the predicate form: wake-ups may be spurious in effect (another
// task can take the state first).
//
//   weft::mutex m;  weft::condition_variable cv;  std::deque<job> jobs;
//   auto lock = co_await m.scoped_lock();
//   co_await cv.wait(m, [&] { return !jobs.empty(); });   // m held again here
//   ...                                                    // elsewhere: push, cv.notify_one()
//
// Thread safety: every member may be called from any thread; wait() by a task holding m.
// The condition variable must outlive its waiters.
#pragma once

#include <coroutine>
#include <exception>

#include <weft/detail/wait_queue.hpp>
#include <weft/mutex.hpp>
#include <weft/task.hpp>

namespace weft {

class condition_variable : private detail::wait_owner {
public:
    condition_variable() noexcept : wait_owner(&condition_variable::pass_on) {}

    // Releases m (held by the caller), waits for a notify, re-acquires m.
    task<> wait(mutex& m) {
        relock_if_destroyed relock{&m};
        std::exception_ptr cancelled;
        try {
            co_await wait_awaiter(this, &m);
        } catch (...) {
            cancelled = std::current_exception();
        }
        co_await m.lock_shielded();  // not a cancellation point: the lock must come back
        relock.m = nullptr;
        if (cancelled) std::rethrow_exception(cancelled);
    }

    // Waits until pred() holds (checked with m held); returns at once if it does already.
    template <class Pred>
    task<> wait(mutex& m, Pred pred) {
        while (!pred()) co_await wait(m);
    }

    void notify_one() noexcept {
        detail::wake_batch woken;
        detail::spin_guard g(lock_);
        if (waiters_.head) take(waiters_.head, woken);
    }
    void notify_all() noexcept {
        detail::wake_batch woken;
        detail::spin_guard g(lock_);
        take_all(waiters_, woken);
    }

private:
    // The frame of wait() destroyed before m is held again (the runtime destroyed the task at
    // shutdown): the caller's guard will unlock m, so m is taken now, on credit if another
    // task holds it (semaphore::take_on_credit), and the count stays right.
    struct relock_if_destroyed {
        mutex* m;
        ~relock_if_destroyed() {
            if (m) m->lock_on_credit();
        }
    };

    // Queues itself, then unlocks m: a notify after the unlock cannot miss it.
    class wait_awaiter : detail::sync_waiter {
    public:
        wait_awaiter(condition_variable* cv, mutex* m) noexcept : sync_waiter(cv), m_(m) {}
        bool await_ready() const noexcept { return false; }
        template <class P>
        bool await_suspend(std::coroutine_handle<P> h) noexcept {
            auto& cv = *static_cast<condition_variable*>(owner());
            detail::spin_guard g(cv.lock_);
            const bool waits = enqueue(h, cv.waiters_);
            g.unlock();
            // Released in both cases (wait() re-acquires it in both). Once queued, a notify
            // may resume us on another thread after this: touch nothing afterwards.
            mutex* m = m_;
            m->unlock();
            return waits;
        }
        void await_resume() { finish(); }

    private:
        mutex* m_;
    };

    // A waiter notified whose frame was destroyed before it ran (shutdown): the notification
    // goes to the next waiter, so a notify_one is not lost (at worst a wake-up is spurious).
    static void pass_on(wait_owner* o, detail::sync_waiter*, detail::wake_batch& woken, bool granted) noexcept {
        auto* cv = static_cast<condition_variable*>(o);
        if (granted && cv->waiters_.head) take(cv->waiters_.head, woken);
    }

    detail::waiter_list waiters_{this};
};

}  // namespace weft
