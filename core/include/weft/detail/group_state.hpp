// weft/detail/group_state.hpp — the shared state of a task_group / task_scope and of its
// children. Users do not include this.
//
// Ownership: the state is reference-counted by the group object, by every child that has
// not finished and by every group_handle, so a child that outlives the group object (the
// group was destroyed without join) still has somewhere to report to.
//
// Under the state's lock:
//   children_   the unfinished children (their root promises), for cancellation. A child
//               leaves the list in child_done(), before its frame can end, so a listed
//               root is always alive;
//   live_       unfinished children (also counts children not yet started);
//   joiner_     the task awaiting join(), resumed by the child_done() that makes live_ 0;
//   aborting_   children were cancelled (a failure, cancel(), the joiner was cancelled, or
//               the group was destroyed); spawn() is refused from then on;
//   finished_   join() has seen live_ == 0: spawn() is refused;
//   errors_     failures (not cancelled_error) in completion order, for task_group_error.
// Cancelling children (request_cancel) happens under the lock, so a root cannot finish
// while it is being cancelled; cancellers only take locks of the primitives the children
// wait on, never a group's, so there is no lock-order cycle.
#pragma once

#include <atomic>
#include <coroutine>
#include <cstdint>
#include <exception>
#include <utility>
#include <vector>

#include <weft/detail/intrusive_list.hpp>
#include <weft/detail/promise_base.hpp>
#include <weft/detail/wait_stamp.hpp>
#include <weft/detail/spin_lock.hpp>
#include <weft/detail/wait_queue.hpp>
#include <weft/error.hpp>

namespace weft::detail {

// One child's link in its group and its reference count (child + handle).
struct group_child_node {
    promise_base* root = nullptr;  // set once the child's root exists (under the lock)
    group_child_node* prev = nullptr;
    group_child_node* next = nullptr;
    std::atomic<std::uint32_t> refs{2};  // the running child + its group_handle
    bool linked = false;
    void (*destroy)(group_child_node*) noexcept = nullptr;
    void (*abandon)(group_child_node*) noexcept = nullptr;  // the child's frame died unfinished

    void release() noexcept {
        if (refs.fetch_sub(1, std::memory_order_acq_rel) == 1) destroy(this);
    }
};

inline bool is_cancellation(const std::exception_ptr& e) noexcept {
    try {
        std::rethrow_exception(e);
    } catch (const cancelled_error&) {
        return true;
    } catch (...) {
        return false;
    }
}

class group_state {
public:
    enum class policy : std::uint8_t {
        fail_fast,  // task_group: a failure cancels the siblings and is rethrown by join()
        isolate,    // task_scope: a failure is logged; the siblings run on
    };

    // The join() awaiter: a canceller in the joining task's frame.
    struct joiner : canceller {
        group_state* group = nullptr;
        std::coroutine_handle<> handle;
        promise_base* root = nullptr;
        bool installed = false;
        bool cancelled = false;   // the joining task was cancelled while it waited
        bool waiting = false;     // it is joiner_ (under the lock; cleared by whoever unsets it)
        std::uint32_t began = 0;  // when the join began (wait_stamp.hpp), for the task dump
        joiner() noexcept : canceller{&joiner::on_cancel} {}

        static void on_cancel(canceller* c) noexcept {
            auto* self = static_cast<joiner*>(c);
            spin_guard g(self->group->lock_);
            self->cancelled = true;
            self->group->abort_locked();
            // Not resumed here: the last child to finish resumes it (children never outlive
            // the join), then it throws cancelled_error.
        }
    };

    explicit group_state(policy p) noexcept : policy_(p) {}

    void add_ref() noexcept { refs_.fetch_add(1, std::memory_order_relaxed); }
    void release() noexcept {
        if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
    }

    // Reserves a place for a new child (counted, listed without a root yet). Throws if the
    // group no longer accepts children.
    void reserve(group_child_node* n, runtime_core* core) {
        spin_guard g(lock_);
        core_ = core;
        if (finished_) throw error("weft::task_group: spawn into a group that has been joined");
        if (aborting_) throw error("weft::task_group: spawn into a group that is shutting down");
        ++live_;
        children_.push_back(n);
        n->linked = true;
        add_ref();  // the child's
    }
    // The child's root exists (not started yet): from now on it can be cancelled.
    void attach(group_child_node* n, promise_base* root) noexcept {
        spin_guard g(lock_);
        n->root = root;
        if (aborting_) root->request_cancel();  // aborted meanwhile: it starts cancelled
    }

    // The child finished (or was destroyed unfinished at shutdown: e empty). Its last
    // touch of the group: afterwards it may be freed.
    void child_done(group_child_node* n, std::exception_ptr e) noexcept {
        const bool failed = e && !is_cancellation(e);
        bool log = false;
        std::coroutine_handle<> wake;
        runtime_core* core = nullptr;
        {
            spin_guard g(lock_);
            if (n->linked) {
                children_.erase(n);
                n->linked = false;
            }
            if (failed) {
                if (policy_ == policy::fail_fast && !detached_) {
                    errors_.push_back(std::move(e));
                    abort_locked();
                } else {
                    log = true;
                }
            }
            if (--live_ == 0 && joiner_) {
                wake = joiner_->handle;
                core = joiner_->root->core();
                joiner_->waiting = false;
                joiner_ = nullptr;
                finished_ = true;
            }
        }
        if (log) report_unretrieved_error(e);
        if (wake) schedule(core, wake, schedule_hint::wake);
        release();
    }

    // join()'s await_suspend. False: nothing to wait for (or cancelled with no children).
    bool begin_join(joiner& j, std::coroutine_handle<> h, promise_base* root) noexcept {
        spin_guard g(lock_);
        if (live_ == 0) {
            finished_ = true;
            return false;
        }
        j.group = this;
        j.handle = h;
        j.root = root;
        j.began = wait_stamp_ms(wait_stamp_now());  // before the install: the dump reads it once installed
        if (root->install_canceller(&j)) {
            j.installed = true;
        } else {  // cancelled before joining: cancel the children and still wait for them
            j.cancelled = true;
            abort_locked();
        }
        root->note_suspend();
        joiner_ = &j;
        j.waiting = true;
        return true;
    }
    // The joining frame is destroyed while it waits (the runtime shut down; the group may
    // outlive it): forget it, so that the last child does not resume freed memory.
    void abandon_join(joiner& j) noexcept {
        spin_guard g(lock_);
        if (joiner_ == &j) joiner_ = nullptr;
        j.waiting = false;
    }
    // join()'s await_resume: rethrows failures (as task_group_error) or the cancellation.
    void end_join(joiner& j);

    // Cancels every child once; spawn() is refused from now on.
    void cancel() noexcept {
        spin_guard g(lock_);
        abort_locked();
    }

    // The group object goes away: cancel what is left and let the children finish detached.
    // Children still running mean the owner never joined: said loudly (not when the runtime
    // destroys the frames at shutdown, which is no mistake of the owner's).
    void detach() noexcept {
        std::vector<std::exception_ptr> unreported;
        std::size_t unjoined = 0;
        {
            spin_guard g(lock_);
            detached_ = true;
            if (joiner_) joiner_->waiting = false;  // a joiner being destroyed (shutdown) must not be resumed
            joiner_ = nullptr;
            if (live_ > 0) {
                abort_locked();
                if (!is_tearing_down(core_)) unjoined = live_;
            }
            unreported.swap(errors_);
        }
        if (unjoined) report_unjoined_group(policy_ == policy::isolate, unjoined);
        for (auto& e : unreported) report_unretrieved_error(e);  // never silently dropped
        release();
    }

    bool aborting() const noexcept {
        spin_guard g(lock_);
        return aborting_;
    }
    std::size_t live() const noexcept {
        spin_guard g(lock_);
        return live_;
    }
    // Cancels one child if it has not finished (a handle's cancel()).
    void cancel_child(group_child_node* n) noexcept {
        spin_guard g(lock_);
        if (n->linked && n->root) n->root->request_cancel();
    }

private:
    ~group_state() = default;

    friend struct wait_describers;  // the task dump (core/src/task_dump.cpp)
    // For the task dump, which holds the runtime's registry and so must not wait for this
    // lock (begin_join takes the registry under it): calls f(root) for every child that has
    // started, if the lock is free right now. Returns false if it was not.
    template <class F>
    bool try_for_each_child(F&& f) const noexcept {
        if (!lock_.try_lock()) return false;
        for (group_child_node* n = children_.head; n; n = n->next)
            if (n->root) f(n->root);
        lock_.unlock();
        return true;
    }

    void abort_locked() noexcept {
        if (aborting_) return;  // each child is cancelled once, as asyncio does
        aborting_ = true;
        for (group_child_node* n = children_.head; n; n = n->next)
            if (n->root) n->root->request_cancel();
    }

    mutable spin_lock lock_;
    intrusive_list<group_child_node> children_;
    std::vector<std::exception_ptr> errors_;
    std::atomic<std::uint32_t> refs_{1};
    std::size_t live_ = 0;
    joiner* joiner_ = nullptr;
    runtime_core* core_ = nullptr;  // the children's (set by reserve: live_ > 0 implies set)
    const policy policy_;
    bool aborting_ = false;
    bool finished_ = false;
    bool detached_ = false;
};

}  // namespace weft::detail
