// weft/detail/join_state.hpp — the protocol between a spawned task and its join_handle.
//
// The bits live in the frame_prefix (see frame_allocator.hpp), which outlives the frame:
//   complete      the task ran to its end (its result is in the promise)
//   waiter        a coroutine awaits the handle; promise.continuation_ holds it
//   dropped       the join_handle is gone: whoever finishes last destroys the frame
//   destroyed     the runtime destroyed the unfinished frame at shutdown
//   wait_aborted  a cancel() hit the awaiting task before it could publish `waiter`
// Invariants: once `complete` is set without `dropped`, only the handle touches the frame;
// once `dropped` is set without `complete`, only the task does. The frame's memory is freed
// by whichever of {frame, handle} releases its reference last.
#pragma once

#include <coroutine>
#include <cstdint>

#include <weft/detail/frame_allocator.hpp>
#include <weft/detail/promise_base.hpp>

namespace weft::detail {

namespace join_bits {
inline constexpr std::uint32_t complete = 1;
inline constexpr std::uint32_t waiter = 2;
inline constexpr std::uint32_t dropped = 4;
inline constexpr std::uint32_t destroyed = 8;
inline constexpr std::uint32_t wait_aborted = 16;
}  // namespace join_bits

inline std::uint32_t join_state(void* frame) noexcept {
    return prefix_of(frame)->state.load(std::memory_order_acquire);
}

// Final step of a spawned task (from its final_suspend). Returns what to resume next.
inline std::coroutine_handle<> complete_root(promise_base& p, void* frame) noexcept {
    if (p.registered_) unregister_root(p.core_, &p);
    std::uint32_t prev = prefix_of(frame)->state.fetch_or(join_bits::complete, std::memory_order_acq_rel);
    if (prev & join_bits::waiter) return p.continuation_;
    if (prev & join_bits::dropped) {
        if (p.error_) report_unretrieved_error(p.error_);
        std::coroutine_handle<>::from_address(frame).destroy();
    }
    return std::noop_coroutine();
}

// The join_handle lets go of the task (drop / detach / destructor).
inline void drop_root(void* frame, void* promise) noexcept {
    frame_prefix* pre = prefix_of(frame);
    std::uint32_t s = pre->state.load(std::memory_order_acquire);
    if (!(s & (join_bits::complete | join_bits::destroyed)))
        s = pre->state.fetch_or(join_bits::dropped, std::memory_order_acq_rel);
    if ((s & join_bits::complete) && !(s & join_bits::destroyed)) {
        // The task is done and we are its only owner: destroy it and free the memory in one go.
        auto& p = *static_cast<promise_base*>(promise);
        if (p.error_) report_unretrieved_error(p.error_);
        pre->refs.store(1, std::memory_order_relaxed);
        std::coroutine_handle<>::from_address(frame).destroy();
        return;
    }
    release_frame_ref(pre);  // the task (or the shutdown sweep) will destroy the frame
}

}  // namespace weft::detail
