// weft/channel.hpp — channel<T>: a multi-producer multi-consumer queue between tasks (Go's
// channels, tokio's mpsc), bounded or unbounded. send() waits while a bounded channel is
// full, recv() while it is empty; both are cancellation points. close() ends the stream:
// receivers drain what is left and then get std::nullopt; senders (waiting or later) get
// weft::channel_closed_error (a weft::error), and try_send returns false.
//
//   weft::channel<int> ch(16);                      // bounded: at most 16 buffered
//   weft::channel<int> log(weft::unbounded);        // send never waits
//   co_await ch.send(1);
//   std::optional<int> v = co_await ch.recv();      // nullopt once closed and drained
//
// Waiters are served in FIFO order; an item sent while receivers wait goes straight to the
// longest-waiting one. A waiter that is cancelled leaves without a trace: a cancelled sender's
// item is not queued, a cancelled receiver was not given one (hand-off happens under the
// lock; see detail/item_queue.hpp), so every item is delivered exactly once.
//
// Thread safety: every member may be called from any task on any worker; try_send,
// try_recv and close() from any thread. The channel must outlive its waiters.
#pragma once

#include <cstddef>
#include <limits>
#include <optional>
#include <utility>

#include <weft/detail/item_queue.hpp>
#include <weft/error.hpp>

namespace weft {

struct unbounded_t {
    explicit unbounded_t() = default;
};
// Tag for an unbounded channel: weft::channel<T> ch(weft::unbounded).
inline constexpr unbounded_t unbounded{};

template <class T>
class channel : private detail::item_queue<T, detail::fifo_store<T>, channel_closed_error> {
    using base = detail::item_queue<T, detail::fifo_store<T>, channel_closed_error>;

public:
    using send_awaiter = typename base::put_awaiter;
    using recv_awaiter = typename base::get_awaiter;

    // A bounded channel: send waits while `capacity` items are buffered (at least 1).
    explicit channel(std::size_t capacity) : base(capacity) {
        if (capacity == 0) throw error("weft::channel: capacity must be at least 1 (or weft::unbounded)");
    }
    explicit channel(unbounded_t) : base(0) {}

    // Waits for room, then enqueues. Throws channel_closed_error if the channel is closed.
    [[nodiscard]] send_awaiter send(T value) { return send_awaiter(this, std::move(value)); }
    // Waits for an item; std::nullopt once the channel is closed and drained.
    [[nodiscard]] recv_awaiter recv() noexcept { return recv_awaiter(this); }

    // Non-blocking forms. try_send returns false when full or closed (is_closed() tells which).
    bool try_send(T value) { return this->try_put(value) == base::status::ok; }
    std::optional<T> try_recv() { return this->try_get(); }

    // Ends the stream (idempotent): see above.
    void close() noexcept { base::close(); }

    using base::is_closed;
    using base::size;
    // Buffer capacity; SIZE_MAX for an unbounded channel.
    std::size_t capacity() const noexcept {
        return this->capacity_ ? this->capacity_ : std::numeric_limits<std::size_t>::max();
    }
};

}  // namespace weft
