// os_wait.hpp — the blocking primitives under the scheduler's protocols: a mutex (the idle
// state's list of sleepers, the global queue) and futex wait/wake (the futex parker).
//
// Like weft/detail/atomic.hpp, these are the plain primitives (std::mutex, the futex system
// call) in every build of the library, and the model checker's in a WEFT_MODEL_CHECK build
// of tests/mc/, so that the checker runs the protocols that use them unchanged.
//
// futex_wait(word, expected, timeout) sleeps while `word` holds `expected`, at most
// `timeout` (nullptr: no limit); it returns 0 when woken (or spuriously), -EAGAIN if the
// word had changed, -ETIMEDOUT, -EINTR. futex_wake(word, n) wakes up to n sleepers.
//
// Thread safety: as std::mutex and the futex system call.
#pragma once

#include <cstdint>
#include <ctime>

#include <weft/detail/atomic.hpp>

#if defined(WEFT_MODEL_CHECK)
#include <weft_mc/os_wait.hpp>
#else
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <mutex>
#endif

namespace weft::detail {

#if defined(WEFT_MODEL_CHECK)
using mc::futex_wait;
using mc::futex_wake;
using mc::mutex;
#else
using mutex = std::mutex;

static_assert(sizeof(atomic<std::uint32_t>) == sizeof(std::uint32_t), "a futex word is the atomic itself");

inline int futex_wait(atomic<std::uint32_t>& word, std::uint32_t expected, const timespec* timeout) noexcept {
    long rc =
        syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&word), FUTEX_WAIT_PRIVATE, expected, timeout, nullptr, 0);
    return rc == 0 ? 0 : -errno;
}

inline void futex_wake(atomic<std::uint32_t>& word, int count) noexcept {
    syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&word), FUTEX_WAKE_PRIVATE, count, nullptr, nullptr, 0);
}
#endif

}  // namespace weft::detail
