// weft/detail/join_state.hpp — the protocol between a spawned task and its join_handle.
//
// The bits live in the root's up_ word (promise_base.hpp):
//   complete        the task ran to its end (its result is in the promise)
//   waiter          a coroutine awaits the handle; the promise's link_ holds the join_waiter
//   dropped         the join_handle is gone: whoever finishes last destroys the frame
//   destroyed       the runtime destroyed the unfinished frame at shutdown
//   wait_aborted    a cancel() hit the awaiting task before it could publish `waiter`
//   frame_released  after `destroyed`: the runtime is done with the memory, which it kept
//                   for the handle (see below)
// The awaiting side is a join_waiter (below), which join_handle's awaiter extends.
// Invariants: once `complete` is set without `dropped`, only the handle touches the frame;
// once `dropped` is set without `complete`, only the task does. The frame's memory is freed
// by whichever of {frame, handle} lets go of it last.
//
// At shutdown the runtime destroys unfinished frames while their handles may live on. Such
// a frame's memory is kept (destroy_destroyed_root, ~promise_base, the promise's operator
// delete) and freed by whichever of {runtime, handle} sets the second of `frame_released` /
// `dropped`. Until then the handle reads
// the join bits of a promise whose destructor has run: the word is a trivially destructible
// atomic in memory that is still allocated and that nothing else writes.
#pragma once

#include <coroutine>
#include <cstdint>

#include <weft/detail/frame_allocator.hpp>
#include <weft/detail/promise_base.hpp>
#include <weft/detail/wait_stamp.hpp>
#include <weft/error.hpp>

namespace weft::detail {

namespace join_bits {
inline constexpr std::uint64_t complete = 2;
inline constexpr std::uint64_t waiter = 4;
inline constexpr std::uint64_t dropped = 8;
inline constexpr std::uint64_t destroyed = promise_base::root_bits::destroyed;
inline constexpr std::uint64_t wait_aborted = 32;
inline constexpr std::uint64_t frame_released = 64;
static_assert((complete | waiter | dropped | destroyed | wait_aborted | frame_released) ==
              promise_base::root_bits::join_mask);
}  // namespace join_bits

inline atomic<std::uint64_t>& join_word(void* frame) noexcept { return promise_base::of_frame(frame)->up_; }
inline std::uint64_t join_state(void* frame) noexcept { return promise_base::of_frame(frame)->join_state(); }

// The awaiting side of a join: everything of join_handle's awaiter that does not depend on
// the result type.
//
// Two ways to wait:
//   - the child runs elsewhere (or is queued): install our canceller, register (we are
//     suspended), publish `waiter` with a CAS; the child's final step resumes us;
//   - the child has not started and sits in this worker's LIFO slots: take it back and run
//     it inline by symmetric transfer (fork-join then runs depth-first, cache-warm). Nobody
//     else can see the child then (unstarted, it is not in the registry either, which
//     rewrites other bits of the word), so publishing `waiter` is a plain store, and our
//     canceller is installed only if the child ever suspends (arm(), from the child's
//     note_suspend): a child that runs to its end costs no RMW on our side at all. Until
//     then a cancel() of ours just sets the request, which arm() or our next suspension
//     point delivers. We stay unregistered; shutdown finds us through the child's link_.
// What our cancellation does (join_handle's on_cancel option):
//   - leave the child (default): we stop waiting at once (`waiter` is withdrawn, or
//     `wait_aborted` set) and throw cancelled_error; the child runs on;
//   - propagate: the child is cancelled and we keep waiting until it has finished, then
//     throw cancelled_error (asyncio's `await task`). Never inline: our canceller must be in
//     place before the child runs, so that it is never called from inside the child's own
//     suspension (arm() runs while the child holds the lock of what it waits on).
struct join_waiter : canceller {
    std::coroutine_handle<> parent_;
    promise_base* root_ = nullptr;  // the awaiting task's root
    bool installed_ = false;
    bool cancelled_ = false;
    bool propagate_ = false;   // our cancellation cancels the child, and we wait for it
    std::uint32_t began_ = 0;  // when the wait began (wait_stamp.hpp), for the task dump

    join_waiter() noexcept : canceller{&join_waiter::on_cancel} {}

    // Requests the child's cancellation unless it has ended (its frame is alive: our handle
    // holds it while we wait).
    void cancel_child() noexcept {
        if (!(join_state(child_frame_) & (join_bits::complete | join_bits::destroyed)))
            promise_base::of_frame(child_frame_)->request_cancel();
    }

    // Runs on the cancelling thread while we are suspended (or about to be).
    static void on_cancel(canceller* c) noexcept {
        using namespace join_bits;
        auto* self = static_cast<join_waiter*>(c);
        if (self->propagate_) {  // the child's end resumes us; we throw cancelled_error then
            self->cancelled_ = true;
            self->cancel_child();
            return;
        }
        auto& state = join_word(self->child_frame_);
        std::uint64_t s = state.load(std::memory_order_acquire);
        while (true) {
            if (s & complete) return;  // the task resumes us anyway
            if (s & waiter) {
                if (state.compare_exchange_weak(s, s & ~waiter, std::memory_order_acq_rel)) {
                    self->cancelled_ = true;
                    schedule(self->root_->own_core(), self->parent_, schedule_hint::wake);
                    return;
                }
            } else if (state.compare_exchange_weak(s, s | wait_aborted, std::memory_order_acq_rel)) {
                return;  // suspend() sees the flag and does not suspend
            }
        }
    }

    // The child we run inline suspends for the first time (from its note_suspend).
    void arm() noexcept {
        // installed_ is written before the install: once installed, a cancel() on another
        // thread may resume the waiter at once, and it reads installed_ then.
        installed_ = true;
        if (install_stamped()) return;
        installed_ = false;
        on_cancel(this);  // cancellation was requested meanwhile: deliver it now
    }

    // Installs us as root_'s canceller, stamped first: the dump reads began_ once it is.
    bool install_stamped() noexcept {
        began_ = wait_stamp_ms(wait_stamp_now());
        return root_->install_canceller(this);
    }

    // await_suspend's work; `child` is the awaited task's promise.
    std::coroutine_handle<> suspend(std::coroutine_handle<> parent, promise_base* root, promise_base& child) noexcept {
        using namespace join_bits;
        parent_ = parent;
        root_ = root;
        auto& state = join_word(child_frame_);
        std::uint64_t s = state.load(std::memory_order_acquire);
        if (s & complete) {  // finished, but our budget is spent: let others run first
            schedule(root->own_core(), parent, schedule_hint::yield);
            return std::noop_coroutine();
        }
        if (s & destroyed) return parent;
        if (root->cancel_requested()) {
            cancelled_ = true;
            if (!propagate_) return parent;
            cancel_child();  // and wait for it, with no canceller (the request is in)
        } else if (!propagate_ && !(s & wait_aborted) && take_back_unstarted(root->own_core(), child_frame_)) {
            // The child is ours alone: relaxed stores, canceller armed by the child if needed.
            child.link_.store(reinterpret_cast<std::uintptr_t>(this), std::memory_order_relaxed);
            state.store(s | waiter, std::memory_order_relaxed);
            set_running_root(&child, child.site());
            return std::coroutine_handle<>::from_address(child_frame_);
        } else if (install_stamped()) {
            installed_ = true;
        } else {
            cancelled_ = true;
            if (!propagate_) return parent;
            cancel_child();
        }
        // The child may be running right now: it sees an armed waiter, which it leaves alone.
        child.link_.store(reinterpret_cast<std::uintptr_t>(this) | 1, std::memory_order_relaxed);
        root->note_suspend();
        while (true) {
            if (s & (complete | destroyed)) break;
            if (s & wait_aborted) {
                if (!state.compare_exchange_weak(s, s & ~wait_aborted, std::memory_order_acq_rel)) continue;
                cancelled_ = true;
                break;
            }
            // After this CAS the child may resume us on another thread at any moment.
            if (state.compare_exchange_weak(s, s | waiter, std::memory_order_acq_rel)) return std::noop_coroutine();
        }
        return parent;
    }

    // await_resume's first step: throws cancelled_error if our wait was cancelled.
    void finish_wait() {
        if (installed_) root_->remove_canceller(this);
        if (cancelled_) {  // the child runs on; the handle stays valid
            root_->take_cancel();
            throw cancelled_error();
        }
    }

    void* child_frame_ = nullptr;
};

static_assert(alignof(join_waiter) >= 4, "bit 1 of a root's link_ tells a spawner from a join_waiter");

// The first suspension of a root (note_suspend_slow): if a task awaits it inline (it took
// us back from its LIFO slots and runs us by symmetric transfer), that waiter installs its
// canceller now, since we may stay suspended for long (see join_waiter).
inline void arm_inline_waiter(promise_base* root) noexcept {
    std::uintptr_t w = root->link_.load(std::memory_order_relaxed);
    if (promise_base::waiter_needs_arming(w)) {  // only ever true for a child run inline
        root->link_.store(w | 1, std::memory_order_relaxed);
        reinterpret_cast<join_waiter*>(w)->arm();
    }
}

// Final step of a spawned task (from its final_suspend). Returns what to resume next.
inline std::coroutine_handle<> complete_root(promise_base& p, void* frame) noexcept {
    if (p.registered()) unregister_root(p.own_core(), &p);
    std::uint64_t prev = p.up_.fetch_or(join_bits::complete, std::memory_order_acq_rel);
    if (prev & join_bits::waiter) {
        join_waiter* w = p.waiter();
        set_running_root(w->root_, w->root_->site());
        return w->parent_;
    }
    set_running_root(nullptr);  // before the frame may go: nothing of it runs any more
    if (prev & join_bits::dropped) {
        if (p.has_error()) report_unretrieved_error(p.take_error());
        std::coroutine_handle<>::from_address(frame).destroy();
    }
    return std::noop_coroutine();
}

// The join_handle lets go of the task (drop / detach / destructor).
inline void drop_root(void* frame, promise_base& p) noexcept {
    using namespace join_bits;
    std::uint64_t s = p.up_.load(std::memory_order_acquire);
    // `dropped` is set exactly once, here; `s` is the state just before.
    if (!((s & complete) && !(s & destroyed))) s = p.up_.fetch_or(dropped, std::memory_order_acq_rel);
    if ((s & complete) && !(s & destroyed)) {
        // The task is done and we are its only owner (complete_root saw no `dropped` and left
        // the frame to us): destroy it, which frees the memory.
        if (p.has_error()) report_unretrieved_error(p.take_error());
        std::coroutine_handle<>::from_address(frame).destroy();
        return;
    }
    // Unfinished: the task destroys itself at its end. Destroyed at shutdown: the runtime kept
    // the memory for us if it was done with it first (frame_released), else it frees it.
    if ((s & destroyed) && (s & frame_released)) free_kept_frame(frame);
}

// The runtime destroys a frame at shutdown (after setting `destroyed`) or one it could not
// start: the memory stays for the handle (~promise_base and task.hpp's operator delete)
// unless the handle is already gone.
inline void destroy_destroyed_root(void* frame) noexcept {
    std::coroutine_handle<>::from_address(frame).destroy();
    std::uint64_t s = join_word(frame).fetch_or(join_bits::frame_released, std::memory_order_acq_rel);
    if (s & join_bits::dropped) free_kept_frame(frame);
}

}  // namespace weft::detail
