// weft/semaphore.hpp — semaphore: a counting semaphore for tasks (asyncio.Semaphore).
//
// acquire() takes a permit, waiting while there is none; release() gives permits back.
// Permits go to waiters in FIFO order: release() hands a permit straight to the longest
// waiter, so a task that arrives later cannot barge past it. try_acquire() never waits.
// Waiting is a cancellation point: a cancelled waiter leaves the queue without a trace and
// never takes a permit with it (a permit handed over before the cancel arrived is kept,
// and the cancellation is delivered at the task's next suspension point).
//
//   weft::semaphore slots(8);                  // at most 8 downloads at once
//   {
//       auto permit = co_await slots.scoped_acquire();   // released at scope exit
//       co_await download(url);
//   }
//
// Thread safety: every member may be called from any thread; the semaphore must outlive its
// waiters.
#pragma once

#include <coroutine>
#include <cstddef>
#include <utility>

#include <weft/detail/hold.hpp>
#include <weft/detail/wait_queue.hpp>

namespace weft {

class semaphore;

namespace detail {
inline void release_permit(semaphore* s) noexcept;
}

// Holds one permit; gives it back when destroyed (or on release()).
class [[nodiscard]] semaphore_guard : public detail::hold<semaphore, &detail::release_permit> {
public:
    using hold::hold;
    void release() noexcept { reset(); }
    bool owns_permit() const noexcept { return owns(); }
};

class semaphore : private detail::wait_owner {
public:
    explicit semaphore(std::size_t permits) noexcept : wait_owner(&semaphore::on_leave), count_(permits) {}

    class acquire_awaiter : detail::sync_waiter {
    public:
        // cancellable = false: not a cancellation point (a pending cancellation stays pending).
        explicit acquire_awaiter(semaphore* s, bool cancellable = true) noexcept : sync_waiter(s) {
            set_cancellable(cancellable);
        }
        bool await_ready() noexcept { return sem().try_acquire(); }
        template <class P>
        bool await_suspend(std::coroutine_handle<P> h) noexcept {
            semaphore& s = sem();
            detail::spin_guard g(s.lock_);
            if (s.count_ > 0) {  // released between await_ready and here
                --s.count_;
                return false;
            }
            return enqueue(h, s.waiters_);
        }
        void await_resume() { finish(); }

    protected:
        semaphore& sem() const noexcept { return *static_cast<semaphore*>(owner()); }
    };

    class scoped_awaiter : public acquire_awaiter {
    public:
        using acquire_awaiter::acquire_awaiter;
        semaphore_guard await_resume() {
            acquire_awaiter::await_resume();
            return semaphore_guard(&sem());
        }
    };

    // Waits for a permit and takes it; release() it when done.
    [[nodiscard]] acquire_awaiter acquire() noexcept { return acquire_awaiter(this); }
    // As acquire(), giving a guard that releases the permit at scope exit.
    [[nodiscard]] scoped_awaiter scoped_acquire() noexcept { return scoped_awaiter(this); }

    // Takes a permit if one is free right now.
    bool try_acquire() noexcept {
        detail::spin_guard g(lock_);
        if (count_ == 0) return false;
        --count_;
        return true;
    }

    // Gives back n permits, each to the longest waiter if there is one.
    void release(std::size_t n = 1) noexcept {
        detail::wake_batch woken;
        detail::spin_guard g(lock_);
        release_locked(n, woken);
    }

    // Free permits right now (0 while tasks wait).
    std::size_t available() const noexcept {
        detail::spin_guard g(lock_);
        return count_;
    }

private:
    friend class mutex;

    void release_locked(std::size_t n, detail::wake_batch& woken) noexcept {
        for (; n > 0 && owed_ > 0; --n) --owed_;                         // pays a permit taken on credit
        for (; n > 0 && waiters_.head; --n) take(waiters_.head, woken);  // hand-off: count_ stays
        count_ += n;
    }

    // Takes a permit without waiting: a free one, or on credit (the next release pays it
    // back instead of freeing one). For a frame destroyed at shutdown whose caller will
    // release a permit it let go of (condition_variable::wait under a mutex_guard).
    void take_on_credit() noexcept {
        detail::spin_guard g(lock_);
        if (count_ > 0)
            --count_;
        else
            ++owed_;
    }

    // A waiter handed a permit whose frame was destroyed before it ran (the runtime shut
    // down): the permit comes back, to the next waiter or to the count.
    static void on_leave(wait_owner* o, detail::sync_waiter*, detail::wake_batch& woken, bool granted) noexcept {
        if (granted) static_cast<semaphore*>(o)->release_locked(1, woken);
    }

    // Invariant: count_ > 0 implies no waiters (release hands permits to waiters first), and
    // implies owed_ == 0.
    std::size_t count_;
    std::size_t owed_ = 0;
    detail::waiter_list waiters_{this};
};

inline void detail::release_permit(semaphore* s) noexcept { s->release(); }

}  // namespace weft
