// weft/detail/wait_queue.hpp — the waiter and wait-list machinery every sync primitive
// shares (mutex, semaphore, event, condition_variable, latch, barrier, shared_mutex,
// channel, oneshot, queue). Users do not include this.
//
// Protocol (one owner lock per primitive, a detail::spin_lock held for a few instructions):
//   - a task that must wait, *under the owner's lock*, calls sync_waiter::enqueue(): it installs
//     the waiter's canceller in its root (if a cancellation is already pending it does not
//     wait: await_resume throws cancelled_error), registers the task for shutdown
//     (note_suspend) and links the waiter into one of the owner's lists;
//   - whoever completes a waiter does so under the same lock: it does the primitive's work
//     (hands over a permit, an item, ...), then wait_owner::take() unlinks the waiter
//     (its `listed` flag is cleared) into a wake_batch, which schedules it after the lock is released;
//   - a cancel() calls sync_waiter::on_cancel from any thread: under the lock, if the waiter is
//     still listed it leaves the list, the owner's on_leave hook may hand what it held back
//     (shared_mutex re-grants, barrier withdraws the arrival), and it is scheduled with
//     `cancelled` set. A waiter already taken is left alone: it got what it waited for, and
//     the cancellation stays pending for its next suspension point.
// So exactly one of {completion, cancellation} resumes a waiter, exactly once, and a
// cancelled waiter never swallows a permit, a lock or an item meant for someone else.
// await_resume calls finish() first, which removes the canceller (waiting for a running
// cancel() to be done with it) before the frame moves on, and marks the waiter done.
//
// A waiter whose frame is destroyed while it waits — the runtime destroys the tasks left
// at shutdown, and the primitive may outlive it — is *abandoned* by its destructor: under
// the lock it leaves its list if it is still listed (as a cancelled waiter does: on_leave
// with granted = false), or, if it was completed but never resumed, gives back what it was
// handed (on_leave with granted = true: a permit, a lock, an item, a notification). So the
// primitive holds no pointer into freed frames and nothing is locked or lost for good.
#pragma once

#include <coroutine>
#include <cstdint>
#include <type_traits>

#include <weft/detail/intrusive_list.hpp>
#include <weft/detail/promise_base.hpp>
#include <weft/detail/spin_lock.hpp>
#include <weft/detail/wait_stamp.hpp>
#include <weft/error.hpp>

namespace weft::detail {

class wait_owner;
struct sync_waiter;

// What a primitive is, for the task dump (wait_describe.hpp): 3 bits, kept in the low bits
// of a waiter's list pointer (lists are 16-aligned), so the dump never touches the
// primitive itself.
enum class sync_kind : std::uint8_t { unknown, mutex, semaphore, event, condition_variable, latch, channel, queue };

// The waiters of one kind of one primitive, and the primitive (for its lock).
struct alignas(16) waiter_list : intrusive_list<sync_waiter> {
    wait_owner* owner;
    sync_kind kind;
    explicit waiter_list(wait_owner* o = nullptr, sync_kind k = sync_kind::unknown) noexcept : owner(o), kind(k) {}
    waiter_list(const waiter_list&) = delete;
    waiter_list& operator=(const waiter_list&) = delete;
};

// Waiters taken off their lists under the lock, scheduled when the batch goes out of scope.
// Declare it *before* the lock guard: the guard unlocks first, then the batch wakes.
struct wake_batch {
    waiter_list woken;
    wake_batch() = default;
    wake_batch(const wake_batch&) = delete;
    wake_batch& operator=(const wake_batch&) = delete;
    ~wake_batch();
};

// A task waiting on a primitive: four words, packed (alignment 1) so that a waiting task's
// frame has no padding around it — weft-bench idle_memory counts the bytes of a million waiting tasks.
//   frame_  the waiting frame's address (16-aligned) with the flags in its low 4 bits;
//   place_  the owner (constructed) or, once enqueued, the list it waits in (bit 0 set),
//           with the kind of primitive in bits 1-3 and, in its top 16 bits (user-space
//           addresses have 48), the second the wait began (wait_stamp.hpp), for the task
//           dump's "since when". Written once, before the waiter is published, and never
//           again while it waits: the dump reads it without the primitive's lock. (frame_'s
//           flags change under the lock while the dump may look: it holds no stamp.)
//   prev, next: the list links.
// The waiting coroutine must be a weft task: its root is found through its frame.
struct [[gnu::packed]] sync_waiter {
    static constexpr std::uintptr_t listed = 1;         // in place_'s list (owner's lock)
    static constexpr std::uintptr_t cancelled = 2;      // the wait ended by cancellation
    static constexpr std::uintptr_t uncancellable = 4;  // a wait that must not be interrupted (cv re-lock)
    static constexpr std::uintptr_t tag_bit = 8;        // the primitive's own use (shared_mutex: writer)
    static constexpr std::uintptr_t flag_mask = 15;

    std::uintptr_t frame_ = 0;
    std::uintptr_t place_ = 0;
    sync_waiter* prev = nullptr;
    sync_waiter* next = nullptr;

    explicit sync_waiter(wait_owner* o) noexcept : place_(reinterpret_cast<std::uintptr_t>(o)) {}
    // Enqueued and never finished: the frame is being destroyed while it waits (shutdown).
    // A waiter that ended by cancellation has nothing left to give back.
    ~sync_waiter() {
        if ((frame_ & ~flag_mask) && !(frame_ & cancelled)) [[unlikely]]
            abandon(this);
    }
    sync_waiter(const sync_waiter&) = delete;
    sync_waiter& operator=(const sync_waiter&) = delete;

    wait_owner* owner() const noexcept { return place_ & 1 ? list()->owner : reinterpret_cast<wait_owner*>(place_); }
    static constexpr std::uintptr_t place_bits = 15;  // bit 0: listed in place_; bits 1-3: sync_kind
    static constexpr int stamp_shift = 48;            // above a user-space address
    static constexpr std::uintptr_t address_bits = (std::uintptr_t{1} << stamp_shift) - 1;
    static_assert(sizeof(std::uintptr_t) == 8, "sync_waiter keeps a stamp in the top bits of a pointer");
    waiter_list* list() const noexcept { return reinterpret_cast<waiter_list*>(list_address()); }
    // Once enqueued: the primitive's kind (task dump), the list's address and the second
    // the wait began (wait_stamp_s).
    sync_kind kind() const noexcept { return static_cast<sync_kind>((place_ >> 1) & 7); }
    std::uintptr_t list_address() const noexcept { return place_ & address_bits & ~place_bits; }
    std::uint16_t began_s() const noexcept { return static_cast<std::uint16_t>(place_ >> stamp_shift); }
    bool is_listed() const noexcept { return frame_ & listed; }
    bool was_cancelled() const noexcept { return frame_ & cancelled; }
    void set_flag(std::uintptr_t f, bool on) noexcept { frame_ = on ? frame_ | f : frame_ & ~f; }
    bool tag() const noexcept { return frame_ & tag_bit; }
    void set_tag(bool t) noexcept { set_flag(tag_bit, t); }
    void set_cancellable(bool c) noexcept { set_flag(uncancellable, !c); }

    std::coroutine_handle<> handle() const noexcept {
        return std::coroutine_handle<>::from_address(reinterpret_cast<void*>(frame_ & ~flag_mask));
    }
    promise_base* root() const noexcept {
        return promise_base::of_frame(reinterpret_cast<void*>(frame_ & ~flag_mask))->root();
    }
    std::uintptr_t cancel_word() const noexcept { return promise_base::encode(this, promise_base::sync_kind); }

    // Under the owner's lock, once the task must wait. Returns false (not linked) if a
    // cancellation is already pending: then the caller must not suspend.
    template <class P>
    bool enqueue(std::coroutine_handle<P> h, waiter_list& into) noexcept {
        static_assert(std::is_base_of_v<promise_base, P>, "weft primitives are awaited from weft tasks");
        frame_ = reinterpret_cast<std::uintptr_t>(h.address()) | (frame_ & flag_mask);
        place_ = reinterpret_cast<std::uintptr_t>(&into) | (static_cast<std::uintptr_t>(into.kind) << 1) | 1 |
                 (std::uintptr_t{wait_stamp_s(wait_stamp_now())} << stamp_shift);
        promise_base* r = root();
        if (!(frame_ & uncancellable)) {
            // on_cancel needs the owner's lock, which we hold: it cannot run before we are listed.
            if (!r->install_canceller_word(cancel_word())) {
                frame_ |= cancelled;
                return false;
            }
        }
        r->note_suspend();  // before we are visible: we may resume on another thread after unlock
        into.push_back(this);
        frame_ |= listed;
        return true;
    }

    // await_resume's first step: throws cancelled_error if the wait was cancelled. Marks the
    // waiter done (its destructor then has nothing to do).
    void finish() {
        if (!(frame_ & ~flag_mask)) return;  // not enqueued: the wait completed at once
        const std::uintptr_t f = frame_;
        frame_ = f & flag_mask;
        if (f & uncancellable) return;  // nothing installed
        promise_base* r = promise_base::of_frame(reinterpret_cast<void*>(f & ~flag_mask))->root();
        r->remove_canceller_word(cancel_word());
        if (f & cancelled) {
            r->take_cancel();
            throw cancelled_error();
        }
    }

    static void on_cancel(sync_waiter* w) noexcept;
    static void abandon(sync_waiter* w) noexcept;
};

// The part of a primitive that owns the lock and the hook called when a waiter leaves
// without being resumed.
class wait_owner {
public:
    // Under the lock. granted = false: `w` left its list (cancelled, or abandoned while it
    // waited): give back whatever its place in the queue blocked (shared_mutex re-grants,
    // barrier withdraws the arrival). granted = true: `w` was completed (taken) but its
    // frame is destroyed before it could resume: give back what it was handed.
    using leave_fn = void (*)(wait_owner*, sync_waiter* w, wake_batch&, bool granted) noexcept;

    explicit wait_owner(leave_fn on_leave = nullptr) noexcept : on_leave_(on_leave) {}
    wait_owner(const wait_owner&) = delete;
    wait_owner& operator=(const wait_owner&) = delete;

    // Under the lock: completes `w` (unlinks it; woken when `b` is destroyed).
    static void take(sync_waiter* w, wake_batch& b) noexcept {
        w->list()->erase(w);
        w->frame_ &= ~sync_waiter::listed;
        b.woken.push_back(w);
    }
    // Under the lock: completes every waiter of `l`.
    static void take_all(waiter_list& l, wake_batch& b) noexcept {
        while (sync_waiter* w = l.head) take(w, b);
    }

    mutable spin_lock lock_;

private:
    friend struct sync_waiter;
    leave_fn on_leave_;
};

inline wake_batch::~wake_batch() {
    // Each waiter is read before it is scheduled: once scheduled, it may run and be gone.
    while (sync_waiter* w = woken.pop_front()) schedule(w->root()->core(), w->handle(), schedule_hint::wake);
}

inline void sync_waiter::on_cancel(sync_waiter* w) noexcept {
    wait_owner* o = w->owner();
    wake_batch batch;  // declared first: woken after the unlock
    o->lock_.lock();
    if (!w->is_listed()) {  // completed first: it keeps what it got; the request stays pending
        o->lock_.unlock();
        return;
    }
    w->list()->erase(w);
    w->frame_ = (w->frame_ & ~listed) | cancelled;
    if (o->on_leave_) o->on_leave_(o, w, batch, false);
    batch.woken.push_back(w);
    o->lock_.unlock();
}

inline void sync_waiter::abandon(sync_waiter* w) noexcept {
    wait_owner* o = w->owner();
    wake_batch batch;  // declared first: woken after the unlock
    o->lock_.lock();
    const bool granted = !w->is_listed();
    if (!granted) w->list()->erase(w);
    w->frame_ &= ~listed;  // the tag stays: the hook may read it
    if (o->on_leave_) o->on_leave_(o, w, batch, granted);
    o->lock_.unlock();
}

// std::lock_guard for spin_lock without <mutex> in every header.
class spin_guard {
public:
    explicit spin_guard(spin_lock& l) noexcept : l_(&l) { l.lock(); }
    ~spin_guard() {
        if (l_) l_->unlock();
    }
    void unlock() noexcept {
        l_->unlock();
        l_ = nullptr;
    }
    spin_guard(const spin_guard&) = delete;
    spin_guard& operator=(const spin_guard&) = delete;

private:
    spin_lock* l_;
};

}  // namespace weft::detail
