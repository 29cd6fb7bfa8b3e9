// weft/shared_mutex.hpp — shared_mutex: many readers or one writer, for tasks.
//
// lock() / unlock() take it exclusively, lock_shared() / unlock_shared() shared. Fair in
// arrival order: a reader that arrives while a writer waits queues behind that writer (so
// writers are not starved), and when the lock frees up the head of the queue goes first —
// one writer, or every reader up to the next waiting writer. Waiting is a cancellation
// point: a cancelled waiter leaves without a trace, and readers that queued behind a
// cancelled writer are let in at once if the lock allows it.
//
//   weft::shared_mutex rw;
//   { auto r = co_await rw.scoped_lock_shared(); read(table); }
//   { auto w = co_await rw.scoped_lock();        write(table); }
//
// Thread safety: every member may be called from any thread; unlock()/unlock_shared() only
// by a holder. The shared_mutex must outlive its waiters.
#pragma once

#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <utility>

#include <weft/detail/hold.hpp>
#include <weft/detail/wait_queue.hpp>

namespace weft {

class shared_mutex;

namespace detail {
inline void unlock_exclusive(shared_mutex* m) noexcept;
inline void unlock_shared(shared_mutex* m) noexcept;

// Releases the lock (exclusive or shared, as taken) when destroyed, or on unlock().
template <bool Shared>
class [[nodiscard]] shared_mutex_guard : public hold<shared_mutex, Shared ? &unlock_shared : &unlock_exclusive> {
public:
    using shared_mutex_guard::hold::hold;
    void unlock() noexcept { this->reset(); }
    bool owns_lock() const noexcept { return this->owns(); }
};
}  // namespace detail

class shared_mutex : private detail::wait_owner {
public:
    shared_mutex() noexcept : wait_owner(&shared_mutex::regrant) {}

    template <bool Shared>
    using basic_guard = detail::shared_mutex_guard<Shared>;
    using guard = basic_guard<false>;
    using shared_guard = basic_guard<true>;

    template <bool Shared, bool Scoped>
    class lock_awaiter : detail::sync_waiter {
    public:
        explicit lock_awaiter(shared_mutex* m) noexcept : sync_waiter(m) { set_tag(!Shared); }
        bool await_ready() noexcept { return Shared ? mtx().try_lock_shared() : mtx().try_lock(); }
        template <class P>
        bool await_suspend(std::coroutine_handle<P> h) noexcept {
            shared_mutex& m = mtx();
            detail::spin_guard g(m.lock_);
            if (Shared ? m.can_read() : m.can_write()) {
                m.acquire(Shared);
                return false;
            }
            return enqueue(h, m.waiters_);
        }
        auto await_resume() {
            finish();
            if constexpr (Scoped) return basic_guard<Shared>(&mtx());
        }

    private:
        shared_mutex& mtx() const noexcept { return *static_cast<shared_mutex*>(owner()); }
    };

    [[nodiscard]] lock_awaiter<false, false> lock() noexcept { return lock_awaiter<false, false>(this); }
    [[nodiscard]] lock_awaiter<true, false> lock_shared() noexcept { return lock_awaiter<true, false>(this); }
    [[nodiscard]] lock_awaiter<false, true> scoped_lock() noexcept { return lock_awaiter<false, true>(this); }
    [[nodiscard]] lock_awaiter<true, true> scoped_lock_shared() noexcept { return lock_awaiter<true, true>(this); }

    bool try_lock() noexcept {
        detail::spin_guard g(lock_);
        if (!can_write()) return false;
        acquire(false);
        return true;
    }
    bool try_lock_shared() noexcept {
        detail::spin_guard g(lock_);
        if (!can_read()) return false;
        acquire(true);
        return true;
    }

    void unlock() noexcept {
        detail::wake_batch woken;
        detail::spin_guard g(lock_);
        writer_ = false;
        grant(woken);
    }
    void unlock_shared() noexcept {
        detail::wake_batch woken;
        detail::spin_guard g(lock_);
        if (--readers_ == 0) grant(woken);
    }

private:
    // Newcomers may enter only if nobody waits (FIFO: no barging past the queue).
    bool can_write() const noexcept { return !writer_ && readers_ == 0 && waiters_.empty(); }
    bool can_read() const noexcept { return !writer_ && waiters_.empty(); }
    void acquire(bool shared) noexcept {
        if (shared)
            ++readers_;
        else
            writer_ = true;
    }

    // Under the lock: lets in the head of the queue — one writer, or a run of readers.
    void grant(detail::wake_batch& woken) noexcept {
        while (detail::sync_waiter* w = waiters_.head) {
            if (w->tag()) {  // a writer
                if (writer_ || readers_ > 0) return;
                writer_ = true;
                take(w, woken);
                return;
            }
            if (writer_) return;
            ++readers_;
            take(w, woken);
        }
    }
    // A waiter left the queue (cancelled): whoever queued behind it may be able to go now.
    // A waiter granted the lock whose frame was destroyed before it ran (shutdown) releases it.
    static void regrant(wait_owner* o, detail::sync_waiter* w, detail::wake_batch& woken, bool granted) noexcept {
        auto* m = static_cast<shared_mutex*>(o);
        if (granted) {
            if (w->tag())
                m->writer_ = false;
            else
                --m->readers_;
        }
        m->grant(woken);
    }

    detail::waiter_list waiters_{this};
    std::size_t readers_ = 0;
    bool writer_ = false;
};

inline void detail::unlock_exclusive(shared_mutex* m) noexcept { m->unlock(); }
inline void detail::unlock_shared(shared_mutex* m) noexcept { m->unlock_shared(); }

}  // namespace weft
