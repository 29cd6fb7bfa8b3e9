// weft/task_group.hpp — with_task_group (asyncio's `async with TaskGroup()`, trio's nursery,
// Kotlin's coroutineScope), task_group and task_scope.
//
// with_task_group(body) is the way to use a group: it runs `body(group)` and then joins the
// group on *every* path — the body returns, throws, or is cancelled — so no child outlives
// the call and children may use references into the caller's frame:
//
//   auto [a, b] = co_await weft::with_task_group([&](weft::task_group& g) -> weft::task<std::pair<page, page>> {
//       auto x = g.spawn(fetch(url_a));
//       auto y = g.spawn(fetch(url_b));
//       co_return std::pair{co_await x, co_await y};
//   });
//
// The callable is moved into with_task_group's frame, which outlives the body's coroutine,
// so a capturing lambda is safe here (its captures live in the lambda object; see
// docs/guide.md, "Mistakes we catch"). Outcome, once every child has finished:
//   - the body's value if the body and every child succeeded;
//   - task_group_error if children failed (holding the body's own exception first, if it
//     threw one too);
//   - else the body's exception, or cancelled_error if the task was cancelled.
// A cancellation that was not the exception thrown stays pending for the next suspension
// point (as join() does).
//
// task_group: spawn() starts children on the runtime; `co_await group.join()` waits for all
// of them. The rules are asyncio's TaskGroup's:
//   - a child that fails (any exception but cancelled_error) cancels its siblings; join()
//     waits for all of them and throws weft::task_group_error holding *every* failure, even
//     when there is only one (asyncio always raises an ExceptionGroup; one shape to catch);
//   - a child that ends with cancelled_error (cancelled by the group or otherwise) is not a
//     failure;
//   - cancelling the task suspended in join() cancels the children; join() still waits for
//     them, then throws cancelled_error (task_group_error instead if children failed; the
//     cancellation then stays pending for the next suspension point);
//   - spawn() throws weft::error once the group is shutting down (a failure, cancel(), a
//     cancelled join) or has been joined; spawning from a child while the parent is in
//     join() is allowed, as in asyncio;
//   - spawn() returns a group_handle<T>: after join() (or `co_await handle`) its result() is
//     the child's value, or rethrows its exception (cancelled_error if it was cancelled).
// Differences from asyncio, because a C++ destructor cannot co_await:
//   - leaving the scope without join() (an exception in the parent) cancels the children
//     and *detaches* them: they finish cancelled in the background, holding the group's
//     shared state (no frame leaks, none is resumed after it is gone), and failures are
//     logged like a detached task's. They may still run for a moment after the scope is
//     left, so children that use references into the parent's frame must be joined on
//     every path — which with_task_group does. A group destroyed with children still
//     running logs an error saying so (the "weft" logger);
//   - the parent's body is not cancelled when a child fails (asyncio cancels the task
//     running the `async with` body): the parent learns of the failure at join(), and its
//     spawn() calls throw meanwhile.
//
//   weft::task_group group;
//   auto a = group.spawn(fetch(url_a));
//   auto b = group.spawn(fetch(url_b));
//   co_await group.join();                 // task_group_error if any failed
//   use(a.result(), b.result());
//
// task_scope is the same for long-lived servers: spawn-and-forget children (one per
// connection); a failure is logged and does not touch the siblings; cancel() stops them all;
// join() waits for them (it never throws their errors).
//
// Thread safety: spawn(), cancel() and the handles' members may be called from any task on
// any worker; join() by one task at a time (the owner). Children run on any worker.
#pragma once

#include <atomic>
#include <coroutine>
#include <exception>
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

#include <weft/detail/fan_in.hpp>
#include <weft/detail/frame_allocator.hpp>
#include <weft/detail/group_state.hpp>
#include <weft/detail/spawn_site.hpp>
#include <weft/error.hpp>
#include <weft/event.hpp>
#include <weft/join_handle.hpp>
#include <weft/task.hpp>

namespace weft {

namespace detail {

inline void group_state::end_join(joiner& j) {
    if (j.installed) j.root->remove_canceller(&j);
    std::vector<std::exception_ptr> errors;
    {
        spin_guard g(lock_);
        errors.swap(errors_);
    }
    if (!errors.empty()) throw task_group_error(std::move(errors));
    if (j.cancelled) {
        j.root->take_cancel();
        throw cancelled_error();
    }
}

// A child's node plus its outcome, shared by the running child and its handle.
template <class T>
struct group_child_state : group_child_node {
    result_slot<T> result;  // (fan_in.hpp: the slot when_all/when_any children fill too)
    event done;             // set once `result` is written
    // From the per-thread frame cache, like the child's frame: spawn pays no malloc here.
    static void* operator new(std::size_t n) { return cached_alloc(n); }
    static void operator delete(void* p, std::size_t n) noexcept { cached_free(p, n); }

    group_child_state() noexcept {
        destroy = [](group_child_node* n) noexcept { delete static_cast<group_child_state*>(n); };
        abandon = [](group_child_node* n) noexcept {
            auto* self = static_cast<group_child_state*>(n);
            self->result.error = std::make_exception_ptr(cancelled_error());
            self->done.set();
        };
    }
};

// Travels in the child's frame as a parameter: whichever way the frame ends (it ran to its
// end, or the runtime destroyed it unfinished at shutdown) the group hears of it once.
class child_ticket {
public:
    child_ticket(group_state* g, group_child_node* n) noexcept : g_(g), n_(n) {}
    child_ticket(child_ticket&& o) noexcept : g_(std::exchange(o.g_, nullptr)), n_(o.n_) {}
    child_ticket(const child_ticket&) = delete;
    child_ticket& operator=(const child_ticket&) = delete;
    ~child_ticket() {
        // Destroyed unfinished (shutdown, or the frame could not be made): the handle reads
        // cancelled_error, as a join_handle of a task destroyed at shutdown does.
        if (g_) n_->abandon(n_);
        finish(nullptr);
    }

    void finish(std::exception_ptr e) noexcept {
        if (!g_) return;
        std::exchange(g_, nullptr)->child_done(n_, std::move(e));
        n_->release();
    }

private:
    group_state* g_;
    group_child_node* n_;
};

// A child: runs t, stores its outcome for the handle, reports to the group. Never throws,
// so a handle dropped unread logs nothing (the group has seen any failure already).
template <class T>
task<> group_child(task<T> t, group_child_state<T>* st, child_ticket ticket) {
    try {
        if constexpr (std::is_void_v<T>) {
            co_await std::move(t);
            st->result.value.emplace();
        } else {
            st->result.value.emplace(co_await std::move(t));
        }
    } catch (...) {
        st->result.error = std::current_exception();
    }
    st->done.set();
    ticket.finish(st->result.error);
}

class group_base;

}  // namespace detail

// A task_group child's outcome. result() may be read once the child has finished (after the
// group's join(), or after `co_await handle`); dropping the handle does not affect the child.
template <class T = void>
class group_handle {
public:
    group_handle() noexcept = default;
    // Takes o's child; o is left empty.
    group_handle(group_handle&& o) noexcept : st_(std::exchange(o.st_, nullptr)), g_(std::exchange(o.g_, nullptr)) {}
    // Takes o's child; o is left empty.
    group_handle& operator=(group_handle&& o) noexcept {
        if (this != &o) {
            reset();
            st_ = std::exchange(o.st_, nullptr);
            g_ = std::exchange(o.g_, nullptr);
        }
        return *this;
    }
    group_handle(const group_handle&) = delete;
    group_handle& operator=(const group_handle&) = delete;
    ~group_handle() { reset(); }

    // False for an empty handle (default-constructed or moved from).
    bool valid() const noexcept { return st_ != nullptr; }
    // True once the child has finished (result() may be read).
    bool is_finished() const noexcept { return st_ && st_->done.is_set(); }

    // The child's value, or its exception rethrown. Throws weft::error if it has not
    // finished. The value is moved out: read it once.
    T result() {
        if (!is_finished()) throw error("weft::group_handle: the child has not finished (join the group first)");
        if (st_->result.error) std::rethrow_exception(st_->result.error);
        if (!st_->result.value) throw error("weft::group_handle: result already taken");
        auto v = std::move(*st_->result.value);
        st_->result.value.reset();
        return detail::unwrap_stored<T>(std::move(v));
    }

    // Cancels this child only (not a failure of the group). No-op once it has finished.
    void cancel() noexcept {
        if (st_) g_->cancel_child(st_);
    }

    // Waits for this child, then gives result(). A cancellation point (the child runs on).
    class awaiter {
    public:
        explicit awaiter(group_handle* h) noexcept : h_(h), wait_(h->st_->done.wait()) {}
        bool await_ready() const noexcept { return wait_.await_ready(); }
        template <class P>
        bool await_suspend(std::coroutine_handle<P> h) noexcept {
            return wait_.await_suspend(h);
        }
        T await_resume() {
            wait_.await_resume();
            return h_->result();
        }

    private:
        group_handle* h_;
        event::wait_awaiter wait_;
    };
    // Waits for the child to finish and gives result(); throws weft::error for an empty handle.
    awaiter operator co_await() {
        if (!st_) throw error("weft::group_handle: empty handle");
        return awaiter(this);
    }

private:
    friend class detail::group_base;
    group_handle(detail::group_child_state<T>* st, detail::group_state* g) noexcept : st_(st), g_(g) { g_->add_ref(); }
    void reset() noexcept {
        if (st_) {
            std::exchange(st_, nullptr)->release();
            std::exchange(g_, nullptr)->release();
        }
    }

    detail::group_child_state<T>* st_ = nullptr;
    detail::group_state* g_ = nullptr;  // counted: cancel() may come after the group is gone
};

namespace detail {

// What task_group and task_scope share: the state, spawn, join, cancel, the destructor.
class group_base {
public:
    group_base(const group_base&) = delete;
    group_base& operator=(const group_base&) = delete;

    // Cancels every child (once); spawn() is refused from then on. join() still waits.
    void cancel() noexcept { st_->cancel(); }
    // True once a failure, cancel() or a cancelled join() has cancelled the children.
    bool is_shutting_down() const noexcept { return st_->aborting(); }
    // Children that have not finished (a snapshot).
    std::size_t size() const noexcept { return st_->live(); }

    class join_awaiter : group_state::joiner {
    public:
        explicit join_awaiter(group_state* g) noexcept : g_(g) {}
        join_awaiter(const join_awaiter&) = delete;
        join_awaiter& operator=(const join_awaiter&) = delete;
        // Destroyed while it waits (the runtime destroyed the joining task at shutdown).
        ~join_awaiter() {
            if (waiting) g_->abandon_join(*this);
        }
        bool await_ready() const noexcept { return false; }
        template <class P>
        bool await_suspend(std::coroutine_handle<P> h) noexcept {
            return g_->begin_join(*this, h, h.promise().root());
        }
        void await_resume() { g_->end_join(*this); }

    private:
        group_state* g_;
    };

protected:
    explicit group_base(group_state::policy p) : st_(new group_state(p)) {}
    ~group_base() { st_->detach(); }

    template <class T>
    group_handle<T> spawn_child(task<T> t, std::uint16_t site) {
        runtime_core* core = current_core();
        if (!core) throw error("weft::task_group::spawn called outside a runtime");
        auto* st = new group_child_state<T>();
        try {
            st_->reserve(st, core);
        } catch (...) {
            delete st;
            throw;
        }
        group_handle<T> handle(st, st_);
        // The child's frame. From here on the ticket reports whatever happens to it: if the
        // frame cannot be allocated, the ticket temporary reports when it is destroyed.
        task<> child = group_child(std::move(t), st, child_ticket(st_, st));
        auto h = child.release();
        promise_base* root = &h.promise();
        auto jh = make_root(task<>(h), core, site);
        st_->attach(st, root);
        start_root(jh);  // refused at shutdown: the frame is destroyed and the ticket reports
        return handle;   // jh is dropped: the child frees itself when it ends
    }

    group_state* st_;
};

}  // namespace detail

// Children that fail together: the first failure cancels the rest (asyncio.TaskGroup; see the header).
class task_group : public detail::group_base {
public:
    task_group() : group_base(detail::group_state::policy::fail_fast) {}
    // Not joined: cancels the children and lets them finish detached (see above).
    ~task_group() = default;

    // Starts t as a child. Throws weft::error if the group is shutting down or joined.
    // `where` (the caller, by default) and `name` are what the task dump shows for the child.
    template <class T>
    [[nodiscard("keep the handle to read the result, or use `(void)`")]] group_handle<T> spawn(
        task<T> t, detail::spawn_location where = detail::spawn_location::current()) {
        return spawn_child(std::move(t), detail::intern_site(where, nullptr));
    }
    // The same, with a name the task dump shows next to the spawn site.
    template <class T>
    [[nodiscard("keep the handle to read the result, or use `(void)`")]] group_handle<T> spawn(
        task<T> t, task_name name, detail::spawn_location where = detail::spawn_location::current()) {
        return spawn_child(std::move(t), detail::intern_site(where, name.value));
    }

    // Waits for every child; throws task_group_error if any failed, cancelled_error if the
    // joining task was cancelled. A cancellation point (which cancels the children).
    [[nodiscard]] join_awaiter join() noexcept { return join_awaiter(st_); }
};

// Children that fail alone: a failure is logged, the others go on (see the header).
class task_scope : public detail::group_base {
public:
    task_scope() : group_base(detail::group_state::policy::isolate) {}
    ~task_scope() = default;

    // Starts t as a child, detached (its failure is logged). Throws weft::error once the
    // scope is cancelled.
    template <class T>
    void spawn(task<T> t, detail::spawn_location where = detail::spawn_location::current()) {
        (void)spawn_child(std::move(t), detail::intern_site(where, nullptr));
    }
    // The same, with a name the task dump shows next to the spawn site.
    template <class T>
    void spawn(task<T> t, task_name name, detail::spawn_location where = detail::spawn_location::current()) {
        (void)spawn_child(std::move(t), detail::intern_site(where, name.value));
    }

    // Waits for every child (their failures were logged, not rethrown); cancelled_error if
    // the joining task was cancelled (after the children, cancelled too, have finished).
    [[nodiscard]] join_awaiter join() noexcept { return join_awaiter(st_); }
};

namespace detail {

template <class R>
struct body_task_result {
    static_assert(always_false<R>,
                  "weft::with_task_group: the block must return a weft::task<T>, e.g. "
                  "[&](weft::task_group& g) -> weft::task<> { ... }");
};
template <class T>
struct body_task_result<task<T>> {
    using type = T;
};
template <class F>
using body_result_t = typename body_task_result<std::invoke_result_t<F&, task_group&>>::type;

}  // namespace detail

// Runs body(group) and joins the group whatever happens (see the top of this file).
template <class F>
requires std::is_invocable_v<F&, task_group&> task<detail::body_result_t<F>> with_task_group(F body) {
    using T = detail::body_result_t<F>;
    task_group group;
    std::optional<detail::stored_t<T>> result;
    std::exception_ptr body_error, join_error;
    bool body_cancelled = false;
    try {
        if constexpr (std::is_void_v<T>) {
            co_await body(group);
            result.emplace();
        } else {
            result.emplace(co_await body(group));
        }
    } catch (const cancelled_error&) {
        body_error = std::current_exception();
        body_cancelled = true;
    } catch (...) {
        body_error = std::current_exception();
    }
    if (body_error) group.cancel();
    // No co_await in a catch block: the exception is kept and the join happens here, on
    // every path. join() waits for every child even if this task is cancelled meanwhile.
    bool join_cancelled = false;
    std::vector<std::exception_ptr> failures;
    try {
        co_await group.join();
    } catch (const cancelled_error&) {
        join_cancelled = true;
        join_error = std::current_exception();
    } catch (const task_group_error& e) {
        failures = e.exceptions();
    }
    // What is thrown; a cancellation that is not it stays pending (consumed when delivered).
    std::exception_ptr out;
    if (!failures.empty()) {
        if (body_error && !body_cancelled) failures.insert(failures.begin(), body_error);
        out = std::make_exception_ptr(task_group_error(std::move(failures)));
    } else if (body_error) {
        out = body_error;
    } else if (join_error) {
        out = join_error;
    }
    const bool throws_cancelled = (body_cancelled && out == body_error) || (join_cancelled && out == join_error);
    if ((body_cancelled || join_cancelled) && !throws_cancelled)
        (co_await detail::current_root_awaiter{})->request_cancel();
    if (out) std::rethrow_exception(out);
    if constexpr (std::is_void_v<T>)
        co_return;
    else
        co_return detail::unwrap_stored<T>(std::move(*result));
}

}  // namespace weft
