// weft/join_handle.hpp — join_handle<T>, the owner's view of a spawned task.
//
// `co_await handle` gives the task's result or rethrows its exception, and empties the
// handle (the task's memory is freed right there). Dropping the
// handle detaches the task: it keeps running and frees itself when it ends. cancel()
// requests cancellation: the task gets weft::cancelled_error at its next suspension point
// (delivery is cooperative; a task that never suspends again runs to its end).
//
//   auto h = weft::spawn(fetch(url));
//   h.cancel();                                  // changed our mind
//   try { co_await h; } catch (const weft::cancelled_error&) {}
//
// A task suspended in `co_await handle` is itself a cancellation point, and the awaiting
// side chooses what its cancellation does to the awaited task:
//   - `co_await h` (= `co_await h.join(weft::on_cancel::leave_child)`): the awaiting task is
//     resumed with cancelled_error at once; the child runs on and the handle stays valid
//     (await it again, cancel() it, or drop it to detach it) — tokio's JoinHandle;
//   - `co_await h.join(weft::on_cancel::cancel_child)`: the child is cancelled too, and the
//     awaiting task waits until it has finished, then throws cancelled_error — asyncio's
//     `await task`. The child does not outlive the await (the handle stays valid: its
//     outcome, usually cancelled_error, can still be awaited).
// The default is the first because a handle is a spawned task's owner, which may outlive one
// await of it; code whose children must never outlive it should use task_group /
// with_task_group, when_all or when_any, which cancel and await their children always.
// If the runtime was shut down before the task finished, awaiting throws cancelled_error.
//
// Thread safety: a handle is not shared; cancel() and is_finished() may race with the
// task running on any worker.
#pragma once

#include <cassert>
#include <coroutine>
#include <cstdint>
#include <utility>

#include <weft/detail/join_state.hpp>
#include <weft/detail/spawn_site.hpp>
#include <weft/error.hpp>
#include <weft/task.hpp>

namespace weft {

// The handle of a spawned task: await it for the task's result.
template <class T>
class join_handle;

// What cancelling a task that awaits a join_handle does to the awaited task (see above).
enum class on_cancel : unsigned char {
    leave_child,   // the awaiting task stops waiting at once; the child runs on
    cancel_child,  // the child is cancelled and awaited, then cancelled_error
};

// A name for a spawned task, shown by the task dump and the stall detector next to its
// spawn site: `weft::spawn(serve(c), weft::task_name{"connection"})`. The string must
// outlive every task spawned with it (a string literal): it is kept by address, not copied.
struct task_name {
    // The name (a string that outlives the tasks); nullptr: no name.
    const char* value = nullptr;
};

namespace detail {
template <class T>
join_handle<T> make_root(task<T> t, runtime_core* core, std::uint16_t site = unknown_site) noexcept;
template <class T>
bool start_root(join_handle<T>& h) noexcept;
}  // namespace detail

// The handle of a spawned task (see the header): co_await it, or join(), for its result.
template <class T = void>
class [[nodiscard]] join_handle {
public:
    using promise_type = detail::task_promise<T>;
    using handle_type = std::coroutine_handle<promise_type>;

    join_handle() noexcept = default;
    // Takes o's task; o is left empty.
    join_handle(join_handle&& o) noexcept : h_(std::exchange(o.h_, {})) {}
    // Takes o's task; o is left empty (the task this handle had is detached).
    join_handle& operator=(join_handle&& o) noexcept {
        if (this != &o) {
            detach();
            h_ = std::exchange(o.h_, {});
        }
        return *this;
    }
    join_handle(const join_handle&) = delete;
    join_handle& operator=(const join_handle&) = delete;
    ~join_handle() { detach(); }

    // False for an empty handle (default-constructed, moved from or awaited already).
    bool valid() const noexcept { return static_cast<bool>(h_); }

    // The task finished (value or exception) and its result can be taken without waiting.
    bool is_finished() const noexcept { return h_ && (detail::join_state(h_.address()) & detail::join_bits::complete); }

    // Requests cancellation; a no-op once the task has finished.
    void cancel() noexcept {
        if (h_ && !(detail::join_state(h_.address()) & (detail::join_bits::complete | detail::join_bits::destroyed)))
            h_.promise().request_cancel();
    }

    // Lets the task run on without us.
    void detach() noexcept {
        if (h_) {
            auto h = std::exchange(h_, {});
            detail::drop_root(h.address(), h.promise());
        }
    }

    class awaiter : detail::join_waiter {
    public:
        // (weft::on_cancel spelt out: the canceller base has a member of that name.)
        explicit awaiter(join_handle& owner, weft::on_cancel policy = weft::on_cancel::leave_child) noexcept
            : owner_(&owner), h_(owner.h_) {
            child_frame_ = h_.address();
            propagate_ = policy == weft::on_cancel::cancel_child;
        }

        bool await_ready() const noexcept {
            return (detail::join_state(h_.address()) & detail::join_bits::complete) && detail::consume_budget();
        }

        template <class P>
        std::coroutine_handle<> await_suspend(std::coroutine_handle<P> parent) noexcept {
            return suspend(parent, parent.promise().root(), h_.promise());
        }

        decltype(auto) await_resume() {
            finish_wait();
            // The result is taken once: the handle lets go of the frame here, as a consumed
            // JoinHandle does in tokio, so memory comes back as soon as results are read.
            struct release_on_exit {
                join_handle* owner;
                ~release_on_exit() { owner->detach(); }
            } release{owner_};
            if (detail::join_state(h_.address()) & detail::join_bits::destroyed) throw cancelled_error();
            return h_.promise().take_result();
        }

    private:
        join_handle* owner_;
        handle_type h_;
    };

    // Awaiting gives the result (or rethrows) and empties the handle; awaiting an empty
    // handle is an error (weft::error). Cancellation of the awaiting task leaves it valid.
    awaiter operator co_await() & { return join(on_cancel::leave_child); }
    // join(on_cancel::leave_child), on an rvalue handle.
    awaiter operator co_await() && { return operator co_await(); }

    // As `co_await h`, with the choice of what the awaiting task's cancellation does to the
    // child: `co_await h.join(weft::on_cancel::cancel_child)` is asyncio's `await task`.
    [[nodiscard]] awaiter join(on_cancel policy) {
        if (!h_) throw error("weft::join_handle: awaiting an empty handle (already awaited, detached or moved)");
        return awaiter(*this, policy);
    }

private:
    template <class U>
    friend join_handle<U> detail::make_root(task<U>, detail::runtime_core*, std::uint16_t) noexcept;
    template <class U>
    friend bool detail::start_root(join_handle<U>&) noexcept;
    explicit join_handle(handle_type h) noexcept : h_(h) {}

    handle_type h_;
};

namespace detail {

// Turns a task into a spawned (root) task of `core` without starting it.
template <class T>
using promise_type_of = typename task<T>::promise_type;

// `site`: where it was spawned (intern_site in spawn_site.hpp), 0 if weft spawned it.
template <class T>
join_handle<T> make_root(task<T> t, runtime_core* core, std::uint16_t site) noexcept {
    auto h = t.release();
    promise_base& p = h.promise();
    static_assert(alignof(promise_type_of<T>) <= 16, "over-aligned task results are not supported");
    // promise_offset holds for every promise aligned to at most 16 (gcc and clang).
    assert(reinterpret_cast<char*>(&p) - static_cast<char*>(h.address()) == promise_offset);
    p.make_root(core_id(core), site);
    return join_handle<T>(h);
}

// Schedules the task. If the runtime has shut down the task never runs: its frame is
// destroyed and awaiting the handle throws cancelled_error.
template <class T>
bool start_root(join_handle<T>& jh) noexcept {
    auto h = jh.h_;
    if (schedule(h.promise().own_core(), h, schedule_hint::spawn)) return true;
    h.promise().up_.fetch_or(join_bits::destroyed, std::memory_order_acq_rel);
    destroy_destroyed_root(h.address());
    return false;
}

}  // namespace detail
}  // namespace weft
