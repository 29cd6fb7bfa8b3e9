// weft/detail/promise_base.hpp — state shared by every task promise: the continuation,
// the root (spawned) task it belongs to, and the root's cancellation machinery.
//
// A *root* is a task that was spawned; tasks it awaits directly share its root. The root
// carries the cancellation request and a single "canceller" slot: an awaitable that
// suspends registers a canceller there, and cancel() calls it to end the wait early.
//
// Canceller slot protocol (values: 0 = empty, busy_tag = a cancel() is running, else a
// canceller*):
//   - the awaitable installs with CAS 0 -> c, then re-reads the request flag (both seq_cst,
//     so either it sees the request or cancel() sees its canceller);
//   - cancel() sets the flag, swaps the slot to busy_tag, calls the canceller, then stores 0;
//   - the awaitable removes its canceller when it resumes, waiting while busy_tag is set, so
//     the canceller object (which lives in the suspended frame) outlives every call to it.
#pragma once

#include <atomic>
#include <coroutine>
#include <cstdint>
#include <exception>

#include <weft/detail/scheduler_api.hpp>

namespace weft::detail {

struct canceller {
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
    static constexpr std::uintptr_t busy_tag = 1;

    std::coroutine_handle<> continuation_{};  // who awaits us (direct await or join waiter)
    std::exception_ptr error_;                // the task ended with this exception (until taken)
    promise_base* root_ = this;               // the spawned task this frame belongs to
    runtime_core* core_ = nullptr;            // roots only: the runtime that runs it
    promise_base* reg_prev_ = nullptr;        // roots only: live-task registry links
    promise_base* reg_next_ = nullptr;
    std::atomic<std::uintptr_t> cancel_slot_{0};  // roots only
    std::atomic<bool> cancel_requested_{false};   // roots only
    bool is_root_ = false;
    std::uint16_t reg_shard_ = 0;
    void* frame_ = nullptr;                   // roots only: frame address (for destroy)

    bool is_root() const noexcept { return is_root_; }
    promise_base* root() const noexcept { return root_; }
    runtime_core* core() const noexcept { return root_->core_; }

    bool cancel_requested() const noexcept {
        return root_->cancel_requested_.load(std::memory_order_acquire);
    }
    // Consumes a pending request (delivery is one-shot, as in asyncio).
    bool take_cancel() noexcept {
        return root_->cancel_requested_.exchange(false, std::memory_order_acq_rel);
    }

    // Root only. Returns false (nothing installed) if cancellation is already requested.
    bool install_canceller(canceller* c) noexcept {
        std::uintptr_t expected = 0;
        while (!cancel_slot_.compare_exchange_weak(expected, reinterpret_cast<std::uintptr_t>(c),
                                                   std::memory_order_seq_cst)) {
            expected = 0;
            cpu_relax();
        }
        if (cancel_requested_.load(std::memory_order_seq_cst)) {
            remove_canceller(c);
            return false;
        }
        return true;
    }

    // Root only. Waits for a running cancel() to finish with our canceller.
    void remove_canceller(canceller* c) noexcept {
        auto expected = reinterpret_cast<std::uintptr_t>(c);
        while (!cancel_slot_.compare_exchange_weak(expected, 0, std::memory_order_acq_rel)) {
            if (expected == 0) return;  // cancel() already finished with it
            expected = reinterpret_cast<std::uintptr_t>(c);
            cpu_relax();
        }
    }

    // Root only. Safe from any thread while the frame is alive.
    void request_cancel() noexcept {
        cancel_requested_.store(true, std::memory_order_seq_cst);
        std::uintptr_t cur = cancel_slot_.load(std::memory_order_seq_cst);
        for (;;) {
            if (cur == busy_tag) {  // another cancel() is delivering; that one suffices
                return;
            }
            if (cancel_slot_.compare_exchange_weak(cur, busy_tag, std::memory_order_seq_cst)) break;
        }
        if (cur != 0) {
            auto* c = reinterpret_cast<canceller*>(cur);
            c->on_cancel(c);
        }
        cancel_slot_.store(0, std::memory_order_release);
    }
};

}  // namespace weft::detail
