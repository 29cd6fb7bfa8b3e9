// weft/detail/parker.hpp — how an idle worker sleeps and how others wake it.
//
// core/ knows nothing of epoll or io_uring: a worker with no work calls park() on its
// parker, and whoever makes work for it calls unpark(). The io module implements this
// interface with the reactor's wait (so a parked worker also wakes for I/O); core ships a
// futex parker used when no reactor is installed.
//
// Contract: an unpark() that happens before park() makes that park() return at once
// (a "permit", as in Java's LockSupport): a wake-up is never lost. Spurious returns are
// allowed; callers re-check their condition.
#pragma once

#include <chrono>
#include <memory>

namespace weft::detail {

class parker {
public:
    virtual ~parker() = default;
    // Blocks until unpark() or the timeout (negative: no timeout).
    virtual void park(std::chrono::nanoseconds timeout) = 0;
    // Any thread.
    virtual void unpark() noexcept = 0;
};

std::unique_ptr<parker> make_futex_parker();

}  // namespace weft::detail
