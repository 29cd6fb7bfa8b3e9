// weft/detail/item_queue.hpp — the buffered MPMC core shared by channel<T>, oneshot<T> and
// queue<T> / priority_queue<T> / lifo_queue<T>. Users do not include this.
//
// One lock (wait_queue.hpp's protocol), a store that decides the order items come out in
// (FIFO, LIFO or smallest-first), and two waiter lists:
//   getters_  wait only while the store is empty, so an item put while a getter waits is
//             handed straight to the longest-waiting getter (right for every order: the
//             store would have held only that item);
//   putters_  wait only while the store is full (bounded queues), each holding its item;
//             a get that makes room moves the longest-waiting putter's item into the store.
// Hand-offs happen under the lock, and a cancelled waiter is no longer listed, so no item is
// lost or delivered twice: a cancelled putter keeps its item (it was never queued), a
// cancelled getter was never given one.
// close(): no more puts (they fail); getters drain what is stored, then get end-of-stream.
// unfinished_ counts items put and not yet marked done (queue::task_done / join).
// A getter handed an item whose frame is destroyed before it runs (the runtime shut down)
// gives the item back (wait_queue.hpp, "abandoned"): to the next getter, or into the store.
#pragma once

#include <coroutine>
#include <cstddef>
#include <deque>
#include <optional>
#include <utility>

#include <weft/detail/wait_queue.hpp>
#include <weft/error.hpp>

namespace weft::detail {

// FIFO order (channel, queue).
template <class T>
struct fifo_store {
    std::deque<T> items;
    bool empty() const noexcept { return items.empty(); }
    std::size_t size() const noexcept { return items.size(); }
    void push(T&& v) { items.push_back(std::move(v)); }
    T pop() {
        T v(std::move(items.front()));
        items.pop_front();
        return v;
    }
};

// ClosedError: what a put on a closed queue throws.
template <class T, class Store, class ClosedError>
class item_queue : protected wait_owner {
protected:
    enum class status : unsigned char { ok, full, empty, closed };

    struct item_waiter : sync_waiter {
        std::optional<T> item;  // getter: what it was given; putter: what it offers
        bool closed = false;    // putter: the queue was closed while it waited
        explicit item_waiter(item_queue* q) noexcept : sync_waiter(q) {}
        item_queue& queue() const noexcept { return *static_cast<item_queue*>(owner()); }
    };

public:
    class put_awaiter : item_waiter {
    public:
        put_awaiter(item_queue* q, T v) : item_waiter(q) { this->item.emplace(std::move(v)); }
        bool await_ready() const noexcept { return false; }
        template <class P>
        bool await_suspend(std::coroutine_handle<P> h) {
            item_queue& q = this->queue();
            wake_batch woken;
            spin_guard g(q.lock_);
            switch (q.put_locked(*this->item, woken)) {
                case status::ok:
                    return false;
                case status::closed:
                    this->closed = true;
                    return false;
                default:  // full
                    return this->enqueue(h, q.putters_);
            }
        }
        void await_resume() {
            this->finish();
            if (this->closed) throw ClosedError();
        }
    };

    class get_awaiter : item_waiter {
    public:
        explicit get_awaiter(item_queue* q) noexcept : item_waiter(q) {}
        bool await_ready() const noexcept { return false; }
        template <class P>
        bool await_suspend(std::coroutine_handle<P> h) {
            item_queue& q = this->queue();
            wake_batch woken;
            spin_guard g(q.lock_);
            if (q.get_locked(this->item, woken) == status::empty) return this->enqueue(h, q.getters_);
            return false;  // an item, or closed and drained (item stays empty)
        }
        // The item, or std::nullopt once the queue is closed and drained.
        std::optional<T> await_resume() {
            this->finish();
            return std::move(this->item);
        }
    };

    std::size_t size() const {
        spin_guard g(lock_);
        return store_.size();
    }
    bool is_closed() const {
        spin_guard g(lock_);
        return closed_;
    }

protected:
    explicit item_queue(std::size_t capacity)
        : wait_owner(&item_queue::on_leave), capacity_(capacity) {}  // 0: unbounded

    // Under the lock. On `ok` the item was moved out of v.
    status put_locked(T& v, wake_batch& woken) {
        if (closed_) return status::closed;
        if (sync_waiter* w = getters_.head) {
            static_cast<item_waiter*>(w)->item.emplace(std::move(v));
            take(w, woken);
        } else if (capacity_ != 0 && store_.size() >= capacity_) {
            return status::full;
        } else {
            store_.push(std::move(v));
        }
        ++unfinished_;
        return status::ok;
    }

    // Under the lock.
    status get_locked(std::optional<T>& out, wake_batch& woken) {
        if (store_.empty()) return closed_ ? status::closed : status::empty;
        out.emplace(store_.pop());
        if (sync_waiter* w = putters_.head) {  // there is room now: its item goes in
            store_.push(std::move(*static_cast<item_waiter*>(w)->item));
            ++unfinished_;
            take(w, woken);
        }
        return status::ok;
    }

    status try_put(T& v) {
        wake_batch woken;
        spin_guard g(lock_);
        return put_locked(v, woken);
    }
    std::optional<T> try_get() {
        std::optional<T> out;
        wake_batch woken;
        spin_guard g(lock_);
        get_locked(out, woken);
        return out;
    }

    void close() noexcept {
        wake_batch woken;
        spin_guard g(lock_);
        if (closed_) return;
        closed_ = true;
        take_all(getters_, woken);  // the store is empty while getters wait: end-of-stream
        for (sync_waiter* w = putters_.head; w; w = w->next) static_cast<item_waiter*>(w)->closed = true;
        take_all(putters_, woken);
    }

    // See the file comment: only a getter that was handed an item has something to give back.
    static void on_leave(wait_owner* o, sync_waiter* w, wake_batch& woken, bool granted) noexcept {
        auto* q = static_cast<item_queue*>(o);
        // (Cast at each use: a packed base gives no aligned pointer to keep.)
        if (!granted || w->list() != &q->getters_ || !static_cast<item_waiter*>(w)->item) return;
        try {
            if (sync_waiter* next = q->getters_.head) {
                static_cast<item_waiter*>(next)->item.emplace(std::move(*static_cast<item_waiter*>(w)->item));
                take(next, woken);
            } else {
                q->store_.push(std::move(*static_cast<item_waiter*>(w)->item));
            }
        } catch (...) {
            // No memory for the store (or a throwing move): the item goes with the frame.
        }
    }

    Store store_;
    waiter_list getters_{this};
    waiter_list putters_{this};
    std::size_t unfinished_ = 0;
    const std::size_t capacity_;
    bool closed_ = false;
};

}  // namespace weft::detail
