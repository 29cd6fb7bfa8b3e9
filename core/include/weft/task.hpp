// weft/task.hpp — task<T>, the coroutine type of weft.
//
// A task is lazy (nothing runs until it is awaited or spawned), move-only and awaited once.
// Awaiting it runs it on the current worker by symmetric transfer, without a trip through
// the scheduler; its result (or exception) is handed to the awaiter. Destroying a task that
// never ran frees its frame. T may be void, a value type (also move-only) or a reference.
//
//   weft::task<int> answer() { co_return 42; }
//   weft::task<> caller() { int v = co_await answer(); fmt::print("{}\n", v); }
//
// Awaited once: `co_await answer()` or `co_await std::move(t)` consumes the task (its frame
// is freed when the co_await expression ends, and valid() is false from then on).
// `co_await t` on an lvalue does not compile ("tasks are awaited once: co_await
// std::move(t)"); awaiting an empty task (awaited already, moved from, default-constructed)
// throws weft::error.
//
// Coroutine lambdas: a lambda's captures live in the lambda object, not in the frame, so
// `[x] () -> task<> { ... }` dangles as soon as the lambda temporary dies. Pass state as
// parameters by value instead (see docs/guide.md).
//
// Thread safety: a task object is not shared; its frame may be resumed on any worker.
#pragma once

#include <coroutine>
#include <exception>
#include <memory>
#include <type_traits>
#include <utility>
#include <variant>

#include <weft/detail/frame_allocator.hpp>
#include <weft/detail/join_state.hpp>
#include <weft/detail/promise_base.hpp>
#include <weft/error.hpp>

namespace weft {

template <class T = void>
class task;

namespace detail {

template <class>
inline constexpr bool always_false = false;

struct final_awaiter {
    bool await_ready() const noexcept { return false; }
    template <class P>
    std::coroutine_handle<> await_suspend(std::coroutine_handle<P> h) noexcept {
        promise_base& p = h.promise();
        if (p.is_root()) return complete_root(p, h.address());
        return p.continuation();
    }
    void await_resume() const noexcept {}
};

struct task_promise_common : promise_base {
    std::suspend_always initial_suspend() const noexcept { return {}; }
    final_awaiter final_suspend() const noexcept { return {}; }

    // Hands the exception over once (a second take sees none).
    void rethrow_if_failed() {
        if (has_error()) std::rethrow_exception(take_error());
    }

    static void* operator new(std::size_t n) { return allocate_frame(n); }
    // A root the runtime destroyed unfinished (shutdown) keeps its memory for its
    // join_handle (join_state.hpp): ~promise_base names it in tl_frame_to_keep.
    static void operator delete(void* frame, std::size_t n) noexcept {
        if (frame == tl_frame_to_keep) [[unlikely]] {
            tl_frame_to_keep = nullptr;
            return keep_frame_memory(frame, n);
        }
        deallocate_frame(frame, n);
    }
};

template <class T>
struct task_promise final : task_promise_common {
    std::variant<std::monostate, T> result_;

    task<T> get_return_object() noexcept;
    void unhandled_exception() noexcept { set_error(std::current_exception()); }
    template <class U = T>
    requires std::is_convertible_v<U&&, T>
    void return_value(U&& v) noexcept(std::is_nothrow_constructible_v<T, U&&>) {
        result_.template emplace<1>(std::forward<U>(v));
    }
    T take_result() {
        rethrow_if_failed();
        return std::move(std::get<1>(result_));
    }
};

template <class T>
struct task_promise<T&> final : task_promise_common {
    T* value_ = nullptr;

    task<T&> get_return_object() noexcept;
    void unhandled_exception() noexcept { set_error(std::current_exception()); }
    void return_value(T& v) noexcept { value_ = std::addressof(v); }
    T& take_result() {
        rethrow_if_failed();
        return *value_;
    }
};

template <>
struct task_promise<void> final : task_promise_common {
    task<void> get_return_object() noexcept;
    void unhandled_exception() noexcept { set_error(std::current_exception()); }
    void return_void() noexcept {}
    void take_result() { rethrow_if_failed(); }
};

}  // namespace detail

template <class T>
class [[nodiscard]] task {
public:
    using promise_type = detail::task_promise<T>;
    using handle_type = std::coroutine_handle<promise_type>;
    using value_type = T;

    task() noexcept = default;
    explicit task(handle_type h) noexcept : h_(h) {}
    task(task&& o) noexcept : h_(std::exchange(o.h_, {})) {}
    task& operator=(task&& o) noexcept {
        if (this != &o) {
            if (h_) h_.destroy();
            h_ = std::exchange(o.h_, {});
        }
        return *this;
    }
    task(const task&) = delete;
    task& operator=(const task&) = delete;
    ~task() {
        if (h_) h_.destroy();
    }

    bool valid() const noexcept { return static_cast<bool>(h_); }
    explicit operator bool() const noexcept { return valid(); }

    // Internal: hands the frame over (to spawn).
    handle_type release() noexcept { return std::exchange(h_, {}); }

    // Owns the frame from operator co_await on: it is freed when the co_await expression
    // ends (or with the awaiting frame, if that is destroyed while suspended here).
    class awaiter {
    public:
        explicit awaiter(handle_type h) noexcept : h_(h) {}
        awaiter(awaiter&& o) noexcept : h_(std::exchange(o.h_, {})) {}
        awaiter& operator=(awaiter&&) = delete;
        ~awaiter() {
            if (h_) h_.destroy();
        }

        bool await_ready() const noexcept { return false; }
        template <class P>
        std::coroutine_handle<> await_suspend(std::coroutine_handle<P> parent) noexcept {
            static_assert(std::is_base_of_v<detail::promise_base, P>,
                          "weft::task can only be awaited from a weft coroutine");
            promise_type& child = h_.promise();
            child.set_continuation(parent);
            child.set_root(parent.promise().root());
            return h_;
        }
        decltype(auto) await_resume() { return h_.promise().take_result(); }

    private:
        handle_type h_;
    };

    // Awaiting consumes the task: `co_await make_task()` or `co_await std::move(t)`.
    // Throws weft::error if the task is empty (awaited already, moved from).
    awaiter operator co_await() && {
        if (!h_) [[unlikely]]
            throw error("weft::task: awaiting an empty task (awaited already, moved from or default-constructed)");
        return awaiter(std::exchange(h_, {}));
    }
    // `co_await t` on an lvalue: a task is awaited once, and the call site should say so.
    template <class Self = task>
    awaiter operator co_await() & {
        static_assert(detail::always_false<Self>, "tasks are awaited once: co_await std::move(t)");
        return std::move(*this).operator co_await();
    }

private:
    handle_type h_;
};

namespace detail {
template <class T>
task<T> task_promise<T>::get_return_object() noexcept {
    return task<T>(std::coroutine_handle<task_promise>::from_promise(*this));
}
template <class T>
task<T&> task_promise<T&>::get_return_object() noexcept {
    return task<T&>(std::coroutine_handle<task_promise>::from_promise(*this));
}
inline task<void> task_promise<void>::get_return_object() noexcept {
    return task<void>(std::coroutine_handle<task_promise>::from_promise(*this));
}
}  // namespace detail

}  // namespace weft
