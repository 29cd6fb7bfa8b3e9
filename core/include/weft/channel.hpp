// weft/channel.hpp — channel<T>: a bounded multi-producer multi-consumer queue between
// tasks (Go's buffered channel, tokio's mpsc). send() waits while the channel is full,
// recv() while it is empty; both are cancellation points. close() wakes everyone:
// receivers drain what is left and then get std::nullopt; senders get weft::error.
//
//   weft::channel<int> ch(16);
//   co_await ch.send(1);
//   std::optional<int> v = co_await ch.recv();    // nullopt once closed and drained
//
// Waiters are served in FIFO order. A waiter that is cancelled leaves the queue without a
// trace: an item handed to a receiver is never lost (hand-off happens under the lock, and a
// receiver whose wait already ended is no longer in the queue).
//
// Thread safety: every member may be called from any task on any worker; close() from any
// thread.
#pragma once

#include <coroutine>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>
#include <utility>

#include <weft/detail/intrusive_list.hpp>
#include <weft/detail/promise_base.hpp>
#include <weft/detail/spin_lock.hpp>
#include <weft/error.hpp>

namespace weft {

template <class T>
class channel {
    struct waiter : detail::canceller {
        channel* ch = nullptr;
        std::coroutine_handle<> h;
        detail::promise_base* root = nullptr;
        waiter* next = nullptr;
        waiter* prev = nullptr;
        std::optional<T> item;  // receiver: what it got; sender: what it offers
        bool done = false;      // completed by the other side (or close)
        bool cancelled = false;
        bool installed = false;

        waiter() : canceller{&waiter::on_cancel} {}

        static void on_cancel(canceller* c) noexcept {
            auto* w = static_cast<waiter*>(c);
            channel* ch = w->ch;
            std::unique_lock lock(ch->lock_);
            if (w->done) return;  // the other side got there first
            (w->is_sender ? ch->senders_ : ch->receivers_).erase(w);
            w->cancelled = true;
            w->done = true;
            lock.unlock();
            detail::schedule(w->root->core_, w->h, detail::schedule_hint::wake);
        }
        bool is_sender = false;

        // Registers for cancellation; false if it was already requested.
        bool arm(std::coroutine_handle<> handle, detail::promise_base* r) noexcept {
            h = handle;
            root = r;
            installed = r->install_canceller(this);
            cancelled = !installed;  // already requested: do not wait, throw from await_resume
            r->note_suspend();       // registers at most once; cheap afterwards
            return installed;
        }
        void disarm() {
            if (installed) root->remove_canceller(this);
            if (cancelled) {
                root->take_cancel();
                throw_cancelled();
            }
        }
        [[noreturn]] static void throw_cancelled() { throw cancelled_error(); }
    };

    using waiter_list = detail::intrusive_list<waiter>;

public:
    explicit channel(std::size_t capacity) : capacity_(capacity) {
        if (capacity == 0) throw error("weft::channel: capacity must be at least 1");
    }
    channel(const channel&) = delete;
    channel& operator=(const channel&) = delete;

    class send_awaiter : waiter {
    public:
        send_awaiter(channel* c, T v) {
            this->ch = c;
            this->item.emplace(std::move(v));
            this->is_sender = true;
        }
        bool await_ready() const noexcept { return false; }
        template <class P>
        bool await_suspend(std::coroutine_handle<P> h) {
            channel& c = *this->ch;
            if (!this->arm(h, h.promise().root_)) return false;
            std::unique_lock lock(c.lock_);
            if (c.closed_) {
                closed_ = true;
                return false;
            }
            if (waiter* r = c.receivers_.pop_front()) {  // hand over directly
                r->item = std::move(this->item);
                r->done = true;
                lock.unlock();
                detail::schedule(r->root->core_, r->h, detail::schedule_hint::wake);
                return false;
            }
            if (c.buffer_.size() < c.capacity_) {
                c.buffer_.push_back(std::move(*this->item));
                return false;
            }
            c.senders_.push_back(this);
            return true;  // the lock is released after this line: we are queued
        }
        void await_resume() {
            this->disarm();
            if (closed_) throw error("weft::channel: send on a closed channel");
        }

    private:
        friend channel;
        bool closed_ = false;
    };

    class recv_awaiter : waiter {
    public:
        explicit recv_awaiter(channel* c) { this->ch = c; }
        bool await_ready() const noexcept { return false; }
        template <class P>
        bool await_suspend(std::coroutine_handle<P> h) {
            channel& c = *this->ch;
            if (!this->arm(h, h.promise().root_)) return false;
            std::unique_lock lock(c.lock_);
            if (!c.buffer_.empty()) {
                this->item.emplace(std::move(c.buffer_.front()));
                c.buffer_.pop_front();
                if (waiter* s = c.senders_.pop_front()) {  // room now: take a waiting sender's item
                    c.buffer_.push_back(std::move(*s->item));
                    s->done = true;
                    lock.unlock();
                    detail::schedule(s->root->core_, s->h, detail::schedule_hint::wake);
                }
                return false;
            }
            if (c.closed_) return false;
            c.receivers_.push_back(this);
            return true;
        }
        std::optional<T> await_resume() {
            this->disarm();
            return std::move(this->item);
        }
    };

    // Waits for room, then enqueues. Throws weft::error if the channel is closed.
    [[nodiscard]] send_awaiter send(T value) { return send_awaiter(this, std::move(value)); }
    // Waits for an item; std::nullopt once the channel is closed and empty.
    [[nodiscard]] recv_awaiter recv() { return recv_awaiter(this); }

    // Non-blocking forms. try_send returns false when full or closed.
    bool try_send(T value) {
        std::unique_lock lock(lock_);
        if (closed_) return false;
        if (waiter* r = receivers_.pop_front()) {
            r->item.emplace(std::move(value));
            r->done = true;
            lock.unlock();
            detail::schedule(r->root->core_, r->h, detail::schedule_hint::wake);
            return true;
        }
        if (buffer_.size() >= capacity_) return false;
        buffer_.push_back(std::move(value));
        return true;
    }
    std::optional<T> try_recv() {
        std::unique_lock lock(lock_);
        if (buffer_.empty()) return std::nullopt;
        std::optional<T> v(std::move(buffer_.front()));
        buffer_.pop_front();
        if (waiter* s = senders_.pop_front()) {
            buffer_.push_back(std::move(*s->item));
            s->done = true;
            lock.unlock();
            detail::schedule(s->root->core_, s->h, detail::schedule_hint::wake);
        }
        return v;
    }

    // Wakes every waiter: receivers get what is left, then nullopt; senders an error.
    void close() {
        std::unique_lock lock(lock_);
        if (closed_) return;
        closed_ = true;
        waiter_list woken;
        while (waiter* r = receivers_.pop_front()) woken.push_back(r);
        while (waiter* s = senders_.pop_front()) {
            static_cast<send_awaiter*>(s)->closed_ = true;
            woken.push_back(s);
        }
        for (waiter* w = woken.head; w; w = w->next) w->done = true;
        lock.unlock();
        while (waiter* w = woken.pop_front()) detail::schedule(w->root->core_, w->h, detail::schedule_hint::wake);
    }

    bool is_closed() const {
        std::lock_guard lock(lock_);
        return closed_;
    }
    std::size_t size() const {
        std::lock_guard lock(lock_);
        return buffer_.size();
    }
    std::size_t capacity() const noexcept { return capacity_; }

private:
    mutable detail::spin_lock lock_;
    std::deque<T> buffer_;
    waiter_list receivers_;
    waiter_list senders_;
    const std::size_t capacity_;
    bool closed_ = false;
};

}  // namespace weft
