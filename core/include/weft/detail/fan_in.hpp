// weft/detail/fan_in.hpp — the machinery under when_all and when_any: children run as
// spawned tasks (so they run in parallel), each reports into a result slot and "arrives";
// the awaiting parent is resumed by the last arrival.
//
// Counting: remaining starts at children + 1; the parent's own decrement is the last thing
// its await_suspend does, so a child can never resume a parent that is still suspending.
// Cancellation: cancelling the parent cancels every child (through the canceller slot of
// the parent's root); the parent still waits for all of them and then throws
// cancelled_error. Children never outlive the awaiting expression: their join handles live
// in the awaiter, in the parent's frame.
#pragma once

#include <atomic>
#include <coroutine>
#include <cstddef>
#include <exception>
#include <functional>
#include <array>
#include <optional>
#include <tuple>
#include <utility>
#include <vector>
#include <type_traits>
#include <variant>

#include <weft/detail/promise_base.hpp>
#include <weft/detail/wait_stamp.hpp>
#include <weft/error.hpp>
#include <weft/join_handle.hpp>
#include <weft/task.hpp>

namespace weft::detail {

// What a child's result is stored as: void -> monostate, T& -> reference_wrapper<T>.
template <class T>
using stored_t = std::conditional_t<
    std::is_void_v<T>, std::monostate,
    std::conditional_t<std::is_reference_v<T>, std::reference_wrapper<std::remove_reference_t<T>>, T>>;

// Back from storage to the T a task returns (nothing for void, the reference for T&).
template <class T>
T unwrap_stored(stored_t<T>&& v) {
    if constexpr (std::is_void_v<T>)
        return;
    else if constexpr (std::is_reference_v<T>)
        return v.get();
    else
        return std::move(v);
}

template <class T>
struct result_slot {
    std::optional<stored_t<T>> value;
    std::exception_ptr error;

    stored_t<T> take() {
        if (error) std::rethrow_exception(error);
        return std::move(*value);
    }
};

class fan_in : protected canceller {
public:
    // Called by a child when it has stored its result.
    void arrive() noexcept {
        if (remaining_.fetch_sub(1, std::memory_order_acq_rel) == 1) schedule(core_, parent_, schedule_hint::wake);
    }
    // when_any: the first child to call this wins.
    bool try_win(std::size_t index) noexcept {
        std::size_t none = npos;
        return winner_.compare_exchange_strong(none, index, std::memory_order_acq_rel);
    }
    std::size_t winner() const noexcept { return winner_.load(std::memory_order_acquire); }
    // Requests cancellation of every child but `except`.
    void cancel_children(std::size_t except) noexcept {
        for (std::size_t i = 0; i < child_count_; ++i)
            if (i != except) children_[i].cancel();
    }

    static constexpr std::size_t npos = ~std::size_t{0};

protected:
    fan_in() noexcept : canceller{&fan_in::on_cancel} {}
    ~fan_in() = default;

    // Parent side, from await_suspend once the children exist (not yet started).
    void begin(std::coroutine_handle<> parent, promise_base* root, join_handle<void>* children,
               std::size_t count) noexcept {
        children_ = children;
        child_count_ = count;
        parent_ = parent;
        root_ = root;
        core_ = root->core();
        remaining_.store(count + 1, std::memory_order_relaxed);
        began_ = wait_stamp_ms(wait_stamp_now());  // before the install: the dump reads it once installed
        if (root->install_canceller(this))
            installed_ = true;
        else
            cancelled_ = true;
    }
    // After the children were started. False: everything is done already, do not suspend.
    bool suspend() noexcept {
        if (cancelled_ && !installed_) cancel_children(npos);
        root_->note_suspend();
        return remaining_.fetch_sub(1, std::memory_order_acq_rel) != 1;
    }
    // From await_resume: throws cancelled_error if the parent was cancelled.
    void finish() {
        if (installed_) root_->remove_canceller(this);
        if (cancelled_) {
            root_->take_cancel();
            throw cancelled_error();
        }
    }

    runtime_core* core() const noexcept { return core_; }

private:
    friend struct wait_describers;  // the task dump (core/src/task_dump.cpp)
    static void on_cancel(canceller* c) noexcept {
        auto* self = static_cast<fan_in*>(c);
        self->cancelled_ = true;
        self->cancel_children(npos);
    }

    std::atomic<std::size_t> remaining_{0};
    std::atomic<std::size_t> winner_{npos};
    std::coroutine_handle<> parent_;
    promise_base* root_ = nullptr;
    runtime_core* core_ = nullptr;
    join_handle<void>* children_ = nullptr;
    std::size_t child_count_ = 0;
    bool installed_ = false;
    bool cancelled_ = false;
    std::uint32_t began_ = 0;  // when the wait began (wait_stamp.hpp), for the task dump
};

// One child: runs the task, stores the outcome, reports. `index` matters to when_any.
template <class T>
task<void> fan_child(task<T> t, result_slot<T>* slot, fan_in* owner, std::size_t index, bool first_wins) {
    try {
        if constexpr (std::is_void_v<T>) {
            co_await std::move(t);
            slot->value.emplace();
        } else if constexpr (std::is_reference_v<T>) {
            slot->value.emplace(co_await std::move(t));
        } else {
            slot->value.emplace(co_await std::move(t));
        }
    } catch (...) {
        slot->error = std::current_exception();
    }
    if (first_wins && owner->try_win(index)) owner->cancel_children(index);
    owner->arrive();
}

// Creates child i's root (not started).
template <class T>
join_handle<void> make_child(task<T>& t, result_slot<T>* slot, fan_in* owner, std::size_t index, bool first_wins,
                             runtime_core* core) {
    return make_root(fan_child(std::move(t), slot, owner, index, first_wins), core);
}

// Starts a child; if the runtime refuses (shutdown), records cancellation and arrives.
template <class T>
void start_child(join_handle<void>& h, result_slot<T>* slot, fan_in* owner) noexcept {
    if (!start_root(h)) {
        slot->error = std::make_exception_ptr(cancelled_error());
        owner->arrive();
    }
}

// The children of a variadic when_all/when_any: made, registered with fan_in, started.
template <bool FirstWins, class... Ts>
class fan_in_tuple : public fan_in {
public:
    explicit fan_in_tuple(task<Ts>... ts) : tasks_(std::move(ts)...) {}

    template <class P>
    bool await_suspend(std::coroutine_handle<P> h) {
        runtime_core* core = h.promise().core();
        [&]<std::size_t... I>(std::index_sequence<I...>) {
            ((children_[I] = make_child(std::get<I>(tasks_), &std::get<I>(slots_), this, I, FirstWins, core)), ...);
            begin(h, h.promise().root(), children_.data(), sizeof...(Ts));
            (start_child(children_[I], &std::get<I>(slots_), this), ...);
        }
        (std::index_sequence_for<Ts...>{});
        return suspend();
    }

protected:
    std::tuple<task<Ts>...> tasks_;
    std::tuple<result_slot<Ts>...> slots_;
    std::array<join_handle<void>, sizeof...(Ts)> children_;
};

// The children of a when_all/when_any over a vector of tasks.
template <bool FirstWins, class T>
class fan_in_range : public fan_in {
public:
    explicit fan_in_range(std::vector<task<T>> ts) : tasks_(std::move(ts)), slots_(tasks_.size()) {}

    template <class P>
    bool await_suspend(std::coroutine_handle<P> h) {
        runtime_core* core = h.promise().core();
        children_.reserve(tasks_.size());
        for (std::size_t i = 0; i < tasks_.size(); ++i)
            children_.push_back(make_child(tasks_[i], &slots_[i], this, i, FirstWins, core));
        begin(h, h.promise().root(), children_.data(), tasks_.size());
        for (std::size_t i = 0; i < tasks_.size(); ++i) start_child(children_[i], &slots_[i], this);
        return suspend();
    }

protected:
    std::vector<task<T>> tasks_;
    std::vector<result_slot<T>> slots_;
    std::vector<join_handle<void>> children_;
};

}  // namespace weft::detail
