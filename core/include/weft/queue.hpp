// weft/queue.hpp — queue<T>, priority_queue<T> and lifo_queue<T>: asyncio.Queue,
// PriorityQueue and LifoQueue for tasks on any worker.
//
// put(item) waits while the queue is full (maxsize > 0), get() while it is empty; both are
// cancellation points (a cancelled putter's item is not queued, a cancelled getter takes
// none). put_nowait / get_nowait throw weft::queue_full_error / weft::queue_empty_error instead of
// waiting. task_done() marks one item processed; `co_await join()` waits until every item
// put so far has been marked done. shutdown() (Python 3.13) makes put throw
// weft::queue_shut_down_error, and get too once the queue is empty. Order: FIFO for queue<T>;
// smallest first (by Compare, default std::less) for priority_queue, like heapq; newest
// first for lifo_queue. maxsize <= 0 means unbounded, as in asyncio.
//
//   weft::queue<job> jobs(100);
//   co_await jobs.put(job{...});                       // producer
//   job j = co_await jobs.get(); run(j); jobs.task_done();  // each worker
//   co_await jobs.join();                              // every job processed
//
// Thread safety: every member may be called from any task on any worker; the *_nowait
// forms, task_done and shutdown from any thread. The queue must outlive its waiters.
#pragma once

#include <algorithm>
#include <coroutine>
#include <cstddef>
#include <functional>
#include <optional>
#include <utility>
#include <vector>

#include <weft/detail/item_queue.hpp>
#include <weft/error.hpp>

namespace weft {

namespace detail {

// Newest first.
template <class T>
struct lifo_store {
    std::vector<T> items;
    bool empty() const noexcept { return items.empty(); }
    std::size_t size() const noexcept { return items.size(); }
    void push(T&& v) { items.push_back(std::move(v)); }
    T pop() {
        T v(std::move(items.back()));
        items.pop_back();
        return v;
    }
};

// Smallest first by Compare (a binary heap, as Python's heapq).
template <class T, class Compare>
struct heap_store {
    std::vector<T> items;
    [[no_unique_address]] Compare less;
    bool empty() const noexcept { return items.empty(); }
    std::size_t size() const noexcept { return items.size(); }
    // std::*_heap keep the *largest* on top: reversing the comparison keeps the smallest.
    auto greater() const {
        return [this](const T& a, const T& b) { return less(b, a); };
    }
    void push(T&& v) {
        items.push_back(std::move(v));
        std::push_heap(items.begin(), items.end(), greater());
    }
    T pop() {
        std::pop_heap(items.begin(), items.end(), greater());
        T v(std::move(items.back()));
        items.pop_back();
        return v;
    }
};

}  // namespace detail

template <class T, class Store>
class basic_queue : private detail::item_queue<T, Store, queue_shut_down_error> {
    using base = detail::item_queue<T, Store, queue_shut_down_error>;

public:
    explicit basic_queue(long maxsize = 0) : base(maxsize > 0 ? static_cast<std::size_t>(maxsize) : 0) {}

    using put_awaiter = typename base::put_awaiter;
    class get_awaiter : public base::get_awaiter {
    public:
        using base::get_awaiter::get_awaiter;
        T await_resume() {
            std::optional<T> v = base::get_awaiter::await_resume();
            if (!v) throw queue_shut_down_error();
            return std::move(*v);
        }
    };

    // Waits while full, then adds the item. Throws queue_shut_down_error after shutdown().
    [[nodiscard]] put_awaiter put(T item) { return put_awaiter(this, std::move(item)); }
    // Waits while empty, then removes and returns an item. Throws queue_shut_down_error once
    // shut down and empty.
    [[nodiscard]] get_awaiter get() noexcept { return get_awaiter(this); }

    void put_nowait(T item) {
        switch (this->try_put(item)) {
            case base::status::ok:
                return;
            case base::status::closed:
                throw queue_shut_down_error();
            default:
                throw queue_full_error();
        }
    }
    T get_nowait() {
        std::optional<T> v = this->try_get();
        if (v) return std::move(*v);
        if (base::is_closed()) throw queue_shut_down_error();
        throw queue_empty_error();
    }

    // One item taken by get() has been processed. Throws weft::error if called more often
    // than items were put (asyncio's ValueError).
    void task_done() {
        detail::wake_batch woken;
        detail::spin_guard g(this->lock_);
        if (this->unfinished_ == 0) throw error("weft::queue::task_done called more times than there were items");
        if (--this->unfinished_ == 0) this->take_all(joiners_, woken);
    }

    class join_awaiter : detail::sync_waiter {
    public:
        explicit join_awaiter(basic_queue* q) noexcept : sync_waiter(q), q_(q) {}
        bool await_ready() const noexcept { return false; }
        template <class P>
        bool await_suspend(std::coroutine_handle<P> h) noexcept {
            detail::spin_guard g(q_->lock_);
            if (q_->unfinished_ == 0) return false;
            return enqueue(h, q_->joiners_);
        }
        void await_resume() { finish(); }

    private:
        basic_queue* q_;
    };
    // Waits until every item put so far has been marked task_done().
    [[nodiscard]] join_awaiter join() noexcept { return join_awaiter(this); }

    // No more puts; gets drain what is left, then throw queue_shut_down_error. Idempotent.
    void shutdown() noexcept { base::close(); }

    std::size_t qsize() const { return base::size(); }
    bool empty() const { return qsize() == 0; }
    bool full() const { return this->capacity_ != 0 && qsize() >= this->capacity_; }
    // 0: unbounded.
    std::size_t maxsize() const noexcept { return this->capacity_; }
    bool is_shut_down() const { return base::is_closed(); }

private:
    detail::waiter_list joiners_{this};
};

template <class T>
using queue = basic_queue<T, detail::fifo_store<T>>;
template <class T, class Compare = std::less<T>>
using priority_queue = basic_queue<T, detail::heap_store<T, Compare>>;
template <class T>
using lifo_queue = basic_queue<T, detail::lifo_store<T>>;

}  // namespace weft
