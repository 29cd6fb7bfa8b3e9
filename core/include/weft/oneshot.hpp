// weft/oneshot.hpp — oneshot<T>: a single value sent once, from any task or thread, to a
// task that awaits it (tokio's oneshot, a promise/future pair for tasks).
//
// send(v) stores the value (or hands it to a waiting receiver) and never waits; a second
// send, or a send after close(), throws weft::channel_closed_error. `co_await recv()` gives the
// value, waiting until it is sent; if the oneshot is closed without a value (the producer
// gave up), or the value was already taken by another receiver, it throws channel_closed_error.
// Waiting is a cancellation point and leaves no trace: a value sent to a receiver that was
// cancelled first stays for the next recv().
//
//   weft::oneshot<int> reply;
//   weft::spawn(compute(&reply));                  // ... reply->send(42);
//   int v = co_await reply.recv();
//
// Thread safety: every member may be called from any thread; recv() from tasks. The
// oneshot must outlive its waiters.
#pragma once

#include <optional>
#include <utility>

#include <weft/detail/item_queue.hpp>
#include <weft/error.hpp>

namespace weft {

// A closed channel of capacity 1 that accepts exactly one item: the same hand-off and
// cancellation code as channel<T>.
template <class T>
class oneshot : private detail::item_queue<T, detail::fifo_store<T>, channel_closed_error> {
    using base = detail::item_queue<T, detail::fifo_store<T>, channel_closed_error>;

public:
    oneshot() : base(1) {}

    class recv_awaiter : public base::get_awaiter {
    public:
        using base::get_awaiter::get_awaiter;
        T await_resume() {
            std::optional<T> v = base::get_awaiter::await_resume();
            if (!v) throw channel_closed_error();
            return std::move(*v);
        }
    };

    // Sends the value; throws channel_closed_error if a value was sent already or close() was called.
    void send(T value) {
        detail::wake_batch woken;
        detail::spin_guard g(this->lock_);
        if (this->put_locked(value, woken) != base::status::ok) throw channel_closed_error();
        close_locked(woken);  // exactly one value: later receivers see the end once it is taken
    }

    // Waits for the value. Throws channel_closed_error if closed without one, or already taken.
    [[nodiscard]] recv_awaiter recv() noexcept { return recv_awaiter(this); }
    // The value if it has been sent and not taken yet.
    std::optional<T> try_recv() { return this->try_get(); }

    // Gives up without a value (idempotent): waiting receivers get channel_closed_error.
    void close() noexcept { base::close(); }
    // A value has been sent, or the oneshot closed.
    bool is_closed() const { return base::is_closed(); }

private:
    void close_locked(detail::wake_batch& woken) noexcept {
        this->closed_ = true;
        this->take_all(this->getters_, woken);  // only the first getter got the value; none left
    }
};

}  // namespace weft
