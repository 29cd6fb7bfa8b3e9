// weft_mc/os_wait.hpp — what core/src/os_wait.hpp becomes in a model-checker build: a
// mutex and futex wait/wake that block a simulated thread instead of the process.
//
// The futex follows the kernel's contract: futex_wait sleeps only if the word still holds
// `expected` (checked atomically with going to sleep), a futex_wake wakes sleepers, and a
// wait may also return spuriously (the checker explores that too) or, when it has a
// timeout, time out. A wait without a timeout that nobody wakes is a deadlock, which the
// checker reports with the interleaving that led to it: a lost wake-up.
#pragma once

#include <cerrno>
#include <cstdint>
#include <ctime>
#include <source_location>

#include "atomic.hpp"

namespace weft::mc {

class mutex {
public:
    mutex() = default;
    mutex(const mutex&) = delete;
    mutex& operator=(const mutex&) = delete;
    void lock(std::source_location loc = std::source_location::current()) { m_.lock(detail::info(loc)); }
    bool try_lock(std::source_location loc = std::source_location::current()) { return m_.try_lock(detail::info(loc)); }
    void unlock(std::source_location loc = std::source_location::current()) { m_.unlock(detail::info(loc)); }

private:
    rl::mutex m_;
};

// Whether a futex wait may return spuriously (the kernel's contract allows it; scenarios
// about the parker itself explore it, larger ones turn it off to keep the search small).
inline bool futex_spurious_wakeups = true;

// 0 when woken (or spuriously), -EAGAIN if *word != expected, -ETIMEDOUT.
inline int futex_wait(atomic<std::uint32_t>& word, std::uint32_t expected, const timespec* timeout,
                      std::source_location loc = std::source_location::current()) {
    rl::context& c = rl::ctx();
    const rl::debug_info di = detail::info(loc);
    c.sched();
    c.atomic_thread_fence_seq_cst();
    std::uint32_t v;
    {
        rl::preemption_disabler no_switch(c);
        v = word.relacy().load(rl::mo_acquire, di);
    }
    if (v != expected) return -EAGAIN;
    switch (word.relacy().wait(c, timeout != nullptr, futex_spurious_wakeups, di)) {
        case rl::unpark_reason_timeout:
            return -ETIMEDOUT;
        case rl::unpark_reason_spurious:
            return -EINTR;
        default:
            return 0;
    }
}

inline void futex_wake(atomic<std::uint32_t>& word, int count,
                       std::source_location loc = std::source_location::current()) {
    rl::context& c = rl::ctx();
    c.sched();
    c.atomic_thread_fence_seq_cst();
    word.relacy().wake(c, static_cast<rl::thread_id_t>(count), detail::info(loc));
}

}  // namespace weft::mc
