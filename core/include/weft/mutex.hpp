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

#include <utility>

#include <weft/semaphore.hpp>

namespace weft {

class mutex;

// Holds the lock; unlocks when destroyed (or on unlock()).
class [[nodiscard]] mutex_guard {
public:
    mutex_guard() noexcept = default;
    explicit mutex_guard(mutex* m) noexcept : m_(m) {}
    mutex_guard(mutex_guard&& o) noexcept : m_(std::exchange(o.m_, nullptr)) {}
    mutex_guard& operator=(mutex_guard&& o) noexcept {
        if (this != &o) {
            unlock();
            m_ = std::exchange(o.m_, nullptr);
        }
        return *this;
    }
    ~mutex_guard() { unlock(); }
    inline void unlock() noexcept;
    bool owns_lock() const noexcept { return m_ != nullptr; }
    mutex* get() const noexcept { return m_; }
    // Lets go of the mutex without unlocking it (condition_variable takes it over).
    mutex* release() noexcept { return std::exchange(m_, nullptr); }

private:
    mutex* m_ = nullptr;
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
    semaphore sem_{1};
};

inline void mutex_guard::unlock() noexcept {
    if (m_) std::exchange(m_, nullptr)->unlock();
}

}  // namespace weft
