// weft/detail/promise_base.hpp — state shared by every task promise: the continuation,
// the root (spawned) task it belongs to, and the root's cancellation machinery.
//
// A *root* is a task that was spawned; tasks it awaits directly share its root. The root
// carries the cancellation request and a single "canceller" slot: an awaitable that
// suspends registers a canceller there, and cancel() calls it to end the wait early.
//
// Cancellation word (cancel_): bit 0 = cancellation requested (roots), bit 1 = a cancel() is
// calling the canceller, bits 2-3 = what the address in bits 4-63 is:
//   canceller_kind  a canceller* (roots: the suspended awaitable's);
//   sync_kind       a sync_waiter* (wait_queue.hpp; packed, so any address: hence the shift);
//   error_kind      a boxed std::exception_ptr: the task ended with this exception (any task,
//                   until taken). A failing task is the rare case, so its exception lives
//                   out of line and the promise stays three words.
//   - a suspending awaitable installs its canceller with a CAS that fails if a request is
//     already there (then it does not suspend and throws cancelled_error);
//   - cancel() sets the request bit and, if a canceller is installed, takes it out while
//     setting `busy`, calls it, and clears `busy`;
//   - the awaitable removes its canceller when it resumes, waiting while `busy` is set, so
//     the canceller (which lives in the suspended frame) outlives every call to it.
// One word instead of a flag and a slot keeps the promise small and the protocol atomic.
#pragma once

#include <atomic>
#include <cassert>
#include <cstddef>
#include <coroutine>
#include <cstdint>
#include <exception>

#include <weft/detail/atomic.hpp>
#include <weft/detail/frame_allocator.hpp>
#include <weft/detail/scheduler_api.hpp>

namespace weft::detail {

struct join_waiter;

// sync_waiter::on_cancel (wait_queue.hpp), reached through the cancellation word.
void cancel_sync_waiter(void* waiter) noexcept;

struct alignas(8) canceller {
    void (*on_cancel)(canceller*) noexcept;
};

// The runtimes alive in this process, by id (so a root task stores 12 bits, not a pointer).
// Slot 0 is never used. Filled and cleared by runtime_core's constructor and destructor.
inline constexpr std::size_t max_runtimes = 1u << 12;
extern runtime_core* live_runtimes[max_runtimes];

// Frames are 16-byte aligned and gcc and clang place the promise right after the two
// function pointers of the coroutine header, so promise and frame are 16 bytes apart
// (make_root checks it for every task type).
inline constexpr std::size_t promise_offset = 16;

// Every task's promise is these three words, because an idle task's size is what
// weft-bench's idle_memory measures (docs/benchmarks.md). Words mean different things for a spawned task (a
// "root") and for a task run by the task awaiting it:
//   link_    non-root: the awaiting frame's address (continuation);
//            root: the join_waiter awaiting our handle, bit 0 set once it has installed its
//            canceller ("armed"). Atomic: a waiter on another thread may store it while we run.
//            Until a waiter comes: the root that spawned us, with bits 0 and 1 set
//            (spawner_tag: "armed", so nothing arms it), for the task dump's tree. Only ever
//            compared with the addresses of live tasks, never dereferenced: the spawner may
//            have ended.
//   up_      non-root: our root's promise_base*; root: the packed root word (root_bits):
//            the join protocol bits (join_state.hpp), the registry slot and the runtime id.
//            Atomic: the join handle, the registry and wakers touch it from other threads.
//   cancel_  the cancellation word, see above (roots), or the task's exception (any task).
struct promise_base {
    static constexpr std::uintptr_t requested_bit = 1;
    static constexpr std::uintptr_t busy_bit = 2;
    static constexpr std::uintptr_t flag_bits = requested_bit | busy_bit;
    static constexpr std::uintptr_t canceller_kind = 0;
    static constexpr std::uintptr_t sync_kind = 4;
    static constexpr std::uintptr_t error_kind = 8;
    static constexpr int address_shift = 4;  // user-space addresses use at most 57 bits

    static std::uintptr_t encode(const void* p, std::uintptr_t kind) noexcept {
        assert(reinterpret_cast<std::uintptr_t>(p) >> (64 - address_shift) == 0);
        return (reinterpret_cast<std::uintptr_t>(p) << address_shift) | kind;
    }
    static std::uintptr_t encode(canceller* c) noexcept { return encode(c, canceller_kind); }

    // Layout of up_ for a root. Bit 0 tells a root (odd) from a root pointer (8-aligned).
    // The spawn site (spawn_site.hpp) rides along in 12 bits, so that the task dump and the
    // stall detector can name where every task came from without a byte more per task.
    struct root_bits {
        static constexpr std::uint64_t is_root = 1;
        static constexpr std::uint64_t join_mask = 0x7e;  // join_bits:: (join_state.hpp)
        static constexpr std::uint64_t destroyed = 16;    // = join_bits::destroyed
        static constexpr std::uint64_t registered = 0x80;
        static constexpr int shard_shift = 8;   // 6 bits: registry shard
        static constexpr int core_shift = 14;   // 12 bits: index into live_runtimes
        static constexpr int site_shift = 26;   // 12 bits: spawn site id (spawn_site.hpp)
        static constexpr int index_shift = 38;  // 26 bits: position in the registry shard
        static constexpr std::uint64_t shard_mask = 0x3f;
        static constexpr std::uint64_t core_mask = 0xfff;
        static constexpr std::uint64_t site_mask = 0xfff;
        static constexpr std::uint64_t max_index = (std::uint64_t{1} << (64 - index_shift)) - 1;
    };

    atomic<std::uintptr_t> link_{0};
    atomic<std::uint64_t> up_{reinterpret_cast<std::uintptr_t>(this)};  // a task is its own root until awaited
    atomic<std::uintptr_t> cancel_{0};

    promise_base() = default;
    promise_base(const promise_base&) = delete;
    promise_base& operator=(const promise_base&) = delete;
    ~promise_base() {
        if (has_error()) (void)take_error();
        // A root the runtime destroys unfinished keeps its memory for its join_handle: tell
        // operator delete now, while our state may still be read (join_state.hpp).
        constexpr std::uint64_t kept = root_bits::is_root | root_bits::destroyed;
        if ((up_.load(std::memory_order_relaxed) & kept) == kept) [[unlikely]]
            tl_frame_to_keep = frame();
    }

    // The task ended with an exception (from unhandled_exception). Boxed: see above.
    void set_error(std::exception_ptr e) noexcept;
    bool has_error() const noexcept { return cancel_.load(std::memory_order_acquire) & error_kind; }
    // Hands the exception over once (a second take sees none).
    std::exception_ptr take_error() noexcept;

    static bool waiter_needs_arming(std::uintptr_t w) noexcept { return w != 0 && !(w & 1); }
    // Roots: link_ names the spawner (a join_waiter is 8-aligned: bit 1 is clear in its word).
    static constexpr std::uintptr_t spawner_tag = 3;
    // Roots only: the root that was running on this thread when we were spawned, if no task
    // awaits us (yet); nullptr otherwise. For the task dump: compare, never dereference.
    const promise_base* spawner() const noexcept {
        const std::uintptr_t w = link_.load(std::memory_order_relaxed);
        return (w & spawner_tag) == spawner_tag ? reinterpret_cast<const promise_base*>(w & ~spawner_tag) : nullptr;
    }
    // Roots: the join_waiter in link_ (nullptr while it names the spawner). Dereference it
    // only while the join bits say `waiter`: an earlier waiter may have gone.
    join_waiter* waiter() const noexcept {
        const std::uintptr_t w = link_.load(std::memory_order_relaxed);
        if ((w & spawner_tag) == spawner_tag) return nullptr;
        return reinterpret_cast<join_waiter*>(w & ~std::uintptr_t{1});
    }

    // Non-roots: the frame that awaits us.
    std::coroutine_handle<> continuation() const noexcept {
        return std::coroutine_handle<>::from_address(reinterpret_cast<void*>(link_.load(std::memory_order_relaxed)));
    }
    void set_continuation(std::coroutine_handle<> h) noexcept {
        link_.store(reinterpret_cast<std::uintptr_t>(h.address()), std::memory_order_relaxed);
    }
    void set_root(promise_base* r) noexcept {
        up_.store(reinterpret_cast<std::uintptr_t>(r), std::memory_order_relaxed);
    }

    bool is_root() const noexcept { return up_.load(std::memory_order_relaxed) & root_bits::is_root; }
    promise_base* root() const noexcept {
        const std::uint64_t u = up_.load(std::memory_order_relaxed);
        return u & root_bits::is_root ? const_cast<promise_base*>(this) : reinterpret_cast<promise_base*>(u);
    }
    // Roots only: the runtime that runs the task.
    runtime_core* own_core() const noexcept {
        assert(is_root());
        return live_runtimes[(up_.load(std::memory_order_relaxed) >> root_bits::core_shift) & root_bits::core_mask];
    }
    runtime_core* core() const noexcept { return root()->own_core(); }
    // Roots only: the coroutine frame this promise lives in.
    void* frame() noexcept { return reinterpret_cast<char*>(this) - promise_offset; }
    static promise_base* of_frame(void* frame) noexcept {
        return reinterpret_cast<promise_base*>(static_cast<char*>(frame) + promise_offset);
    }

    // Roots only: the join protocol bits (join_bits:: in join_state.hpp).
    std::uint64_t join_state(std::memory_order o = std::memory_order_acquire) const noexcept {
        return up_.load(o) & root_bits::join_mask;
    }

    // Roots only, the registry's slot (written under the registry shard's lock).
    bool registered() const noexcept { return up_.load(std::memory_order_relaxed) & root_bits::registered; }
    std::uint32_t reg_index() const noexcept {
        return static_cast<std::uint32_t>(up_.load(std::memory_order_relaxed) >> root_bits::index_shift);
    }
    std::uint8_t reg_shard() const noexcept {
        return static_cast<std::uint8_t>((up_.load(std::memory_order_relaxed) >> root_bits::shard_shift) &
                                         root_bits::shard_mask);
    }
    void set_reg_slot(std::uint8_t shard, std::uint32_t index) noexcept {
        update_up([&](std::uint64_t u) {
            u &= ~((root_bits::shard_mask << root_bits::shard_shift) | (~std::uint64_t{0} << root_bits::index_shift));
            return u | root_bits::registered | (std::uint64_t{shard} << root_bits::shard_shift) |
                   (std::uint64_t{index} << root_bits::index_shift);
        });
    }
    // Roots only: the spawn site id (spawn_site.hpp).
    std::uint16_t site() const noexcept {
        return static_cast<std::uint16_t>((up_.load(std::memory_order_relaxed) >> root_bits::site_shift) &
                                          root_bits::site_mask);
    }
    void set_reg_index(std::uint32_t index) noexcept {
        update_up([&](std::uint64_t u) {
            return (u & ~(~std::uint64_t{0} << root_bits::index_shift)) |
                   (std::uint64_t{index} << root_bits::index_shift);
        });
    }
    // Turns this task into a root of the runtime with id `core_id`, spawned at `site`
    // (before anyone sees it).
    // The spawner is the root running on this thread (tl_running_root), if any: one
    // thread-local load, no lock.
    void make_root(std::uint16_t core_id, std::uint16_t site = 0) noexcept {
        if (const promise_base* by = tl_running_root.load(std::memory_order_relaxed))
            link_.store(reinterpret_cast<std::uintptr_t>(by) | spawner_tag, std::memory_order_relaxed);
        up_.store(root_bits::is_root | (std::uint64_t{core_id} << root_bits::core_shift) |
                      ((std::uint64_t{site} & root_bits::site_mask) << root_bits::site_shift),
                  std::memory_order_relaxed);
    }

    bool cancel_requested() const noexcept { return root()->cancel_.load(std::memory_order_acquire) & requested_bit; }
    // Consumes a pending request (delivery is one-shot, as in asyncio).
    bool take_cancel() noexcept {
        return root()->cancel_.fetch_and(~requested_bit, std::memory_order_acq_rel) & requested_bit;
    }

    // Root only: see note_suspend in scheduler_api.hpp. Also, a task run inline by the task
    // that awaits it (join_state.hpp) arms its waiter's canceller on its first suspension.
    void note_suspend() noexcept {
        assert(is_root());
        if (!registered() || waiter_needs_arming(link_.load(std::memory_order_relaxed))) note_suspend_slow(this);
    }

    // Root only. Returns false (nothing installed) if cancellation is already requested.
    bool install_canceller(canceller* c) noexcept { return install_canceller_word(encode(c)); }
    bool install_canceller_word(std::uintptr_t word) noexcept {
        std::uintptr_t v = cancel_.load(std::memory_order_acquire);
        while (true) {
            if (v & requested_bit) return false;
            if (v & busy_bit) {  // a cancel() is finishing with an earlier canceller of ours
                cpu_relax();
                v = cancel_.load(std::memory_order_acquire);
                continue;
            }
            if (cancel_.compare_exchange_weak(v, word, std::memory_order_acq_rel)) return true;
        }
    }

    // Root only. Waits for a running cancel() to finish with our canceller.
    void remove_canceller(canceller* c) noexcept { remove_canceller_word(encode(c)); }
    void remove_canceller_word(std::uintptr_t word) noexcept {
        std::uintptr_t v = cancel_.load(std::memory_order_acquire);
        while (true) {
            if (v & busy_bit) {
                cpu_relax();
                v = cancel_.load(std::memory_order_acquire);
                continue;
            }
            if ((v & ~flag_bits) != word) return;  // cancel() took it
            if (cancel_.compare_exchange_weak(v, v & requested_bit, std::memory_order_acq_rel)) return;
        }
    }

    // Root only. Safe from any thread while the frame is alive. While the runtime destroys
    // the tasks left at shutdown (a task_group's destructor cancels its children), only the
    // request is recorded: a canceller would reach into wait lists of frames already freed.
    void request_cancel() noexcept {
        const bool deliver = !is_tearing_down(own_core());
        std::uintptr_t v = cancel_.load(std::memory_order_acquire);
        while (true) {
            if (v & error_kind) return;  // the task has ended
            if (v & busy_bit) {
                if (v & requested_bit) return;  // another cancel() is delivering; that one suffices
                // The task dump holds the waiter (hold_waiter): leave the request, it
                // delivers it when it lets go.
                if (cancel_.compare_exchange_weak(v, v | requested_bit, std::memory_order_acq_rel)) return;
                continue;
            }
            std::uintptr_t c = deliver ? v & ~flag_bits : 0;
            std::uintptr_t next = c ? (requested_bit | busy_bit) : (v | requested_bit);
            if (cancel_.compare_exchange_weak(v, next, std::memory_order_acq_rel)) {
                if (c) {
                    void* target = reinterpret_cast<void*>(c >> address_shift);
                    if (c & sync_kind) {
                        cancel_sync_waiter(target);
                    } else {
                        auto* k = static_cast<canceller*>(target);
                        k->on_cancel(k);
                    }
                    cancel_.fetch_and(~busy_bit, std::memory_order_release);
                }
                return;
            }
        }
    }

    // Root only, for the task dump: if a waiter (canceller or sync waiter) is installed and
    // no cancellation is under way, sets `busy` so that the waiter cannot be removed (the
    // task cannot leave its awaitable) until release_waiter(), and returns its word (kind
    // bits included); else 0. While held, a request_cancel() only records the request.
    std::uintptr_t hold_waiter() noexcept {
        std::uintptr_t v = cancel_.load(std::memory_order_acquire);
        while (true) {
            if ((v & (flag_bits | error_kind)) || !(v >> address_shift)) return 0;
            if (cancel_.compare_exchange_weak(v, v | busy_bit, std::memory_order_acq_rel)) return v;
        }
    }
    // Lets go of a held waiter unless a cancel() came meanwhile; then returns false and the
    // waiter stays held: release_waiter() delivers the request (the dump calls it once it
    // holds no lock a canceller might need).
    bool release_waiter_if_quiet() noexcept {
        std::uintptr_t v = cancel_.load(std::memory_order_acquire);
        while (!(v & requested_bit))
            if (cancel_.compare_exchange_weak(v, v & ~busy_bit, std::memory_order_acq_rel)) return true;
        return false;
    }
    void release_waiter() noexcept {
        std::uintptr_t v = cancel_.load(std::memory_order_acquire);
        while (true) {
            if ((v & requested_bit) && !is_tearing_down(own_core())) {
                // A cancel() came while we held the waiter: deliver it as request_cancel would.
                const std::uintptr_t c = v & ~flag_bits;
                if (!cancel_.compare_exchange_weak(v, requested_bit | busy_bit, std::memory_order_acq_rel)) continue;
                void* target = reinterpret_cast<void*>(c >> address_shift);
                if (c & sync_kind) {
                    cancel_sync_waiter(target);
                } else {
                    auto* k = static_cast<canceller*>(target);
                    k->on_cancel(k);
                }
                cancel_.fetch_and(~busy_bit, std::memory_order_release);
                return;
            }
            if (cancel_.compare_exchange_weak(v, v & ~busy_bit, std::memory_order_acq_rel)) return;
        }
    }

private:
    template <class F>
    void update_up(F f) noexcept {
        std::uint64_t u = up_.load(std::memory_order_relaxed);
        while (!up_.compare_exchange_weak(u, f(u), std::memory_order_acq_rel, std::memory_order_relaxed)) {
        }
    }
};

// Gives the running task's root without suspending (co_await current_root_awaiter{}).
struct current_root_awaiter {
    promise_base* root = nullptr;
    bool await_ready() const noexcept { return false; }
    template <class P>
    bool await_suspend(std::coroutine_handle<P> h) noexcept {
        root = h.promise().root();
        return false;
    }
    promise_base* await_resume() const noexcept { return root; }
};

}  // namespace weft::detail
