// weft/mutex.hpp — mutex: mutual exclusion between tasks (asyncio.Lock).
//
// lock() waits until the mutex is free and takes it; unlock() hands it straight to the
// longest waiter (FIFO: no barging, no starvation). Unlike std::mutex, a task holding it may
// suspend and resume on another worker, and unlock() may be called from any thread. Waiting
// is a cancellation point: a cancelled waiter leaves the queue without a trace; if the lock
// was handed to it just before, it holds the lock and gets the cancellation at its next
// suspension point instead, so the lock is never lost.
//
//   weft::mutex m;
//   {
//       auto held = co_await m.scoped_lock();   // weft::mutex_guard, unlocks at scope exit
//       balance += amount;
//       co_await log_change(balance);           // may suspend while holding it
//   }
//
// Thread safety: every member may be called from any thread; unlock() only by the holder.
// The mutex must outlive its waiters.
#pragma once

#include <weft/detail/hold.hpp>
#include <weft/semaphore.hpp>

namespace weft {

class mutex;

namespace detail {
inline void unlock_mutex(mutex* m) noexcept;
}

// Holds the lock; unlocks when destroyed (or on unlock()). release() lets go of the mutex
// without unlocking it (the caller takes it over).
class [[nodiscard]] mutex_guard : public detail::hold<mutex, &detail::unlock_mutex> {
public:
    using hold::hold;
    void unlock() noexcept { reset(); }
    bool owns_lock() const noexcept { return owns(); }
    mutex* release() noexcept { return disown(); }
};

// A binary semaphore with lock vocabulary: the waiter queue, hand-off and cancellation are
// the semaphore's (one implementation to get right).
class mutex {
public:
    mutex() noexcept = default;
    mutex(const mutex&) = delete;
    mutex& operator=(const mutex&) = delete;

    class scoped_awaiter : public semaphore::acquire_awaiter {
    public:
        scoped_awaiter(semaphore* s, mutex* m) noexcept : acquire_awaiter(s), m_(m) {}
        mutex_guard await_resume() {
            acquire_awaiter::await_resume();
            return mutex_guard(m_);
        }

    private:
        mutex* m_;
    };

    // Waits for the lock and takes it; unlock() when done.
    [[nodiscard]] semaphore::acquire_awaiter lock() noexcept { return sem_.acquire(); }
    // As lock(), giving a guard that unlocks at scope exit.
    [[nodiscard]] scoped_awaiter scoped_lock() noexcept { return scoped_awaiter(&sem_, this); }
    // As lock(), but not a cancellation point: a cancellation stays pending for the next one.
    // For re-locking on cleanup paths (condition_variable::wait uses it).
    [[nodiscard]] semaphore::acquire_awaiter lock_shielded() noexcept {
        return semaphore::acquire_awaiter(&sem_, false);
    }
    bool try_lock() noexcept { return sem_.try_acquire(); }
    void unlock() noexcept { sem_.release(); }
    // A snapshot: true if some task holds the lock.
    bool is_locked() const noexcept { return sem_.available() == 0; }

private:
    friend class condition_variable;
    // See semaphore::take_on_credit (condition_variable::wait, frame destroyed at shutdown).
    void lock_on_credit() noexcept { sem_.take_on_credit(); }

    semaphore sem_{1};
};

inline void detail::unlock_mutex(mutex* m) noexcept { m->unlock(); }

}  // namespace weft
