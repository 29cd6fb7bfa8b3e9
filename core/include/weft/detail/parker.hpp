// weft/detail/parker.hpp — how an idle worker sleeps and how others wake it.
//
// The permit protocol is written once, here; a parker only supplies the sleep itself.
// core ships the futex parker (a CPU-only runtime, or one with timers alone); each I/O
// driver of the io module is a parker too, so a parked worker sleeps in its driver's wait
// and wakes for I/O as well as for work.
//
// Protocol: `state` is empty, parked or notified.
//   park():   empty -> parked, then wait() until wake() or the timeout, then -> empty;
//             or, finding notified (an earlier unpark), -> empty and return at once.
//   unpark(): -> notified; calls wake() only if it replaced parked (a sleeping owner), so a
//             busy worker's wake-ups cost one atomic exchange and no system call.
// An unpark() that happens before park() makes that park() return at once (a permit, as in
// Java's LockSupport): a wake-up is never lost. Spurious returns are allowed; callers
// re-check their condition. wait() may look at notified() before it blocks, which is how a
// driver that others can poll meanwhile stays correct (see io/src/io_driver.hpp). Every
// consumption of a permit is an acquire RMW, so park() returns having seen what each
// unpark() it consumed wrote before it. tests/mc/test_mc_parker.cpp model-checks this
// protocol with the futex parker.
//
// Thread safety: park() from the owning worker only; unpark() from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>

#include <weft/detail/atomic.hpp>

namespace weft::detail {

class parker {
public:
    parker() = default;
    parker(const parker&) = delete;
    parker& operator=(const parker&) = delete;
    virtual ~parker() = default;

    // Owner thread. Blocks until unpark() or the timeout (negative: none).
    void park(std::chrono::nanoseconds timeout);
    // Any thread.
    void unpark() noexcept {
        if (state_.exchange(notified_state, std::memory_order_acq_rel) == parked_state) wake();
    }

protected:
    static constexpr std::uint32_t empty_state = 0;
    static constexpr std::uint32_t parked_state = 1;
    static constexpr std::uint32_t notified_state = 2;

    // Sleeps until wake() or the timeout (negative: none); may return early. Called by the
    // owner with the state parked.
    virtual void wait(std::chrono::nanoseconds timeout) = 0;
    // Makes the owner's wait() return, or the next one if it has not started. Any thread.
    virtual void wake() noexcept = 0;

    // An unpark() has come since park() began.
    bool notified() const noexcept { return state_.load(std::memory_order_acquire) == notified_state; }
    // The state word itself (the futex parker sleeps on it).
    atomic<std::uint32_t>& state_word() noexcept { return state_; }

private:
    atomic<std::uint32_t> state_{empty_state};
};

std::unique_ptr<parker> make_futex_parker();

}  // namespace weft::detail
