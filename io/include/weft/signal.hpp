// weft/signal.hpp — wait for POSIX signals: `co_await weft::signal(SIGINT, SIGTERM)`
// returns the number of the first of them delivered after the call, so a server can shut
// down gracefully (tokio's signal::ctrl_c, asyncio's loop.add_signal_handler).
//
// The first wait for a signal installs weft's handler for it (process-wide, kept until
// exit); the handler only counts and writes a byte to a pipe that a weft thread reads and
// turns into wake-ups, so it is async-signal-safe and no thread's mask changes. It works on
// any runtime (it needs no reactor). A signal number out of range, or one that cannot be
// caught (SIGKILL, SIGSTOP), throws weft::error.
//
//   int sig = co_await weft::signal(SIGINT, SIGTERM);
//   fmt::print("got signal {}, stopping\n", sig);
//
// Cancellation: waiting is a cancellation point; a cancelled waiter leaves the wait list
// at once and a signal delivered afterwards is not counted for it.
//
// Thread safety: any number of tasks may wait, for the same or different signals, from any
// worker of any runtime; each wait sees the deliveries that happen after it began.
#pragma once

#include <coroutine>
#include <cstdint>
#include <initializer_list>

#include <weft/detail/promise_base.hpp>
#include <weft/error.hpp>

namespace weft {
namespace detail {

struct signal_waiter : canceller {
    std::uint64_t mask = 0;       // signals waited for (bit n: signal n)
    std::uint64_t seen[64] = {};  // delivery counts when the wait began
    int got = 0;                  // the signal that woke us
    std::coroutine_handle<> handle;
    promise_base* root = nullptr;
    signal_waiter* prev = nullptr;
    signal_waiter* next = nullptr;
    bool installed = false;
    bool cancelled = false;
};

// io/src/signal.cpp
void signal_prepare(signal_waiter& w, std::initializer_list<int> signals);  // throws on a bad signal
bool signal_suspend(signal_waiter& w) noexcept;                             // false: one was delivered already (w.got)
void signal_on_cancel(canceller* c) noexcept;

class signal_awaiter : signal_waiter {
public:
    explicit signal_awaiter(std::initializer_list<int> signals) {
        on_cancel = &signal_on_cancel;
        signal_prepare(*this, signals);
    }
    bool await_ready() const noexcept { return false; }
    template <class P>
    bool await_suspend(std::coroutine_handle<P> h) noexcept {
        handle = h;
        root = h.promise().root();
        if (!root->install_canceller(this)) {
            cancelled = true;
            return false;
        }
        installed = true;
        root->note_suspend();
        return signal_suspend(*this);
    }
    int await_resume() {
        if (installed) root->remove_canceller(this);
        if (cancelled) {
            root->take_cancel();
            throw cancelled_error();
        }
        return got;
    }
};

}  // namespace detail

// Throws weft::error for a signal that cannot be caught (SIGKILL, SIGSTOP, out of range).
template <class... Sig>
[[nodiscard]] detail::signal_awaiter signal(Sig... signals) {
    return detail::signal_awaiter({static_cast<int>(signals)...});
}

}  // namespace weft
