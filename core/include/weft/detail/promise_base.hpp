// weft/detail/promise_base.hpp — state shared by every task promise: the continuation,
// the root (spawned) task it belongs to, and the root's cancellation machinery.
//
// A *root* is a task that was spawned; tasks it awaits directly share its root. The root
// carries the cancellation request and a single "canceller" slot: an awaitable that
// suspends registers a canceller there, and cancel() calls it to end the wait early.
//
// Cancellation word (roots only): bit 0 = cancellation requested, bit 1 = a cancel() is
// calling the canceller, the other bits = the registered canceller* (8-byte aligned).
//   - a suspending awaitable installs its canceller with a CAS that fails if a request is
//     already there (then it does not suspend and throws cancelled_error);
//   - cancel() sets the request bit and, if a canceller is installed, takes it out while
//     setting `busy`, calls it, and clears `busy`;
//   - the awaitable removes its canceller when it resumes, waiting while `busy` is set, so
//     the canceller (which lives in the suspended frame) outlives every call to it.
// One word instead of a flag and a slot keeps the promise small and the protocol atomic.
#pragma once

#include <atomic>
#include <coroutine>
#include <cstdint>
#include <exception>

#include <weft/detail/scheduler_api.hpp>

namespace weft::detail {

struct join_waiter;

struct alignas(8) canceller {
    void (*on_cancel)(canceller*) noexcept;
};

inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    asm volatile("yield");
#endif
}

struct promise_base {
    static constexpr std::uintptr_t requested_bit = 1;
    static constexpr std::uintptr_t busy_bit = 2;
    static constexpr std::uintptr_t flag_bits = requested_bit | busy_bit;

    std::coroutine_handle<> continuation_{};  // who awaits us (direct await or join waiter)
    std::exception_ptr error_;                // the task ended with this exception (until taken)
    promise_base* root_ = this;               // the spawned task this frame belongs to
    runtime_core* core_ = nullptr;            // roots only: the runtime that runs it
    // Roots only: the join_waiter awaiting our handle, bit 0 set once it has installed its
    // canceller ("armed"). Atomic: a waiter on another thread may store it while we run.
    std::atomic<std::uintptr_t> waiter_{0};
    std::atomic<std::uintptr_t> cancel_{0};  // roots only: see above
    std::uint32_t reg_index_ = 0;            // roots only: position in the registry shard
    std::uint16_t reg_shard_ = 0;            // roots only: which registry shard
    std::uint8_t frame_offset_ = 0;          // roots only: promise address - frame address
    bool is_root_ = false;
    bool registered_ = false;  // roots only: in the registry (see note_suspend)

    static bool waiter_needs_arming(std::uintptr_t w) noexcept { return w != 0 && !(w & 1); }
    join_waiter* waiter() const noexcept {
        return reinterpret_cast<join_waiter*>(waiter_.load(std::memory_order_relaxed) & ~std::uintptr_t{1});
    }

    bool is_root() const noexcept { return is_root_; }
    promise_base* root() const noexcept { return root_; }
    runtime_core* core() const noexcept { return root_->core_; }
    // Roots only: the coroutine frame this promise lives in.
    void* frame() noexcept { return reinterpret_cast<char*>(this) - frame_offset_; }

    bool cancel_requested() const noexcept { return root_->cancel_.load(std::memory_order_acquire) & requested_bit; }
    // Consumes a pending request (delivery is one-shot, as in asyncio).
    bool take_cancel() noexcept {
        return root_->cancel_.fetch_and(~requested_bit, std::memory_order_acq_rel) & requested_bit;
    }

    // Root only: see note_suspend in scheduler_api.hpp. Also, a task run inline by the task
    // that awaits it (join_state.hpp) arms its waiter's canceller on its first suspension.
    void note_suspend() noexcept {
        if (!registered_ || waiter_needs_arming(waiter_.load(std::memory_order_relaxed))) note_suspend_slow(this);
    }

    // Root only. Returns false (nothing installed) if cancellation is already requested.
    bool install_canceller(canceller* c) noexcept {
        std::uintptr_t v = cancel_.load(std::memory_order_acquire);
        while (true) {
            if (v & requested_bit) return false;
            if (v & busy_bit) {  // a cancel() is finishing with an earlier canceller of ours
                cpu_relax();
                v = cancel_.load(std::memory_order_acquire);
                continue;
            }
            if (cancel_.compare_exchange_weak(v, reinterpret_cast<std::uintptr_t>(c), std::memory_order_acq_rel))
                return true;
        }
    }

    // Root only. Waits for a running cancel() to finish with our canceller.
    void remove_canceller(canceller* c) noexcept {
        std::uintptr_t v = cancel_.load(std::memory_order_acquire);
        while (true) {
            if (v & busy_bit) {
                cpu_relax();
                v = cancel_.load(std::memory_order_acquire);
                continue;
            }
            if ((v & ~flag_bits) != reinterpret_cast<std::uintptr_t>(c)) return;  // cancel() took it
            if (cancel_.compare_exchange_weak(v, v & requested_bit, std::memory_order_acq_rel)) return;
        }
    }

    // Root only. Safe from any thread while the frame is alive. While the runtime destroys
    // the tasks left at shutdown (a task_group's destructor cancels its children), only the
    // request is recorded: a canceller would reach into wait lists of frames already freed.
    void request_cancel() noexcept {
        const bool deliver = !(core_ && is_tearing_down(core_));
        std::uintptr_t v = cancel_.load(std::memory_order_acquire);
        while (true) {
            if (v & busy_bit) return;  // another cancel() is delivering; that one suffices
            std::uintptr_t c = deliver ? v & ~flag_bits : 0;
            std::uintptr_t next = c ? (requested_bit | busy_bit) : (v | requested_bit);
            if (cancel_.compare_exchange_weak(v, next, std::memory_order_acq_rel)) {
                if (c) {
                    auto* k = reinterpret_cast<canceller*>(c);
                    k->on_cancel(k);
                    cancel_.fetch_and(~busy_bit, std::memory_order_release);
                }
                return;
            }
        }
    }
};

// Gives the running task's root without suspending (co_await current_root_awaiter{}).
struct current_root_awaiter {
    promise_base* root = nullptr;
    bool await_ready() const noexcept { return false; }
    template <class P>
    bool await_suspend(std::coroutine_handle<P> h) noexcept {
        root = h.promise().root_;
        return false;
    }
    promise_base* await_resume() const noexcept { return root; }
};

}  // namespace weft::detail
