// weft/when_all.hpp — when_all: asyncio's gather. Runs the tasks concurrently (each as a
// spawned child, so they spread over the workers), waits for all of them, and returns
// their results; void results come back as std::monostate, T& as reference_wrapper<T>.
// If any failed, the first failure in argument order is rethrown — after every child has
// finished, so nothing is left running. Cancelling the awaiting task cancels the children,
// waits for them, and throws cancelled_error.
//
//   auto [a, b] = co_await weft::when_all(fetch(1), fetch(2));     // tuple
//   std::vector<int> all = co_await weft::when_all(std::move(tasks)); // range
//
// Thread safety: the awaiting task owns the children; it may resume on any worker.
#pragma once

#include <array>
#include <tuple>
#include <utility>
#include <vector>

#include <weft/detail/fan_in.hpp>

namespace weft {

namespace detail {

template <class... Ts>
class when_all_tuple final : public fan_in {
public:
    explicit when_all_tuple(task<Ts>... ts) : tasks_(std::move(ts)...) {}

    bool await_ready() const noexcept { return sizeof...(Ts) == 0; }

    template <class P>
    bool await_suspend(std::coroutine_handle<P> h) {
        runtime_core* core = h.promise().core();
        [&]<std::size_t... I>(std::index_sequence<I...>) {
            ((children_[I] = make_child(std::get<I>(tasks_), &std::get<I>(slots_), this, I, false, core)), ...);
            begin(h, h.promise().root_, children_.data(), sizeof...(Ts));
            (start_child(children_[I], &std::get<I>(slots_), this), ...);
        }
        (std::index_sequence_for<Ts...>{});
        return suspend();
    }

    std::tuple<stored_t<Ts>...> await_resume() {
        if constexpr (sizeof...(Ts) == 0) {
            return {};
        } else {
            finish();
            rethrow_first();
            return [&]<std::size_t... I>(std::index_sequence<I...>) {
                return std::tuple<stored_t<Ts>...>(std::get<I>(slots_).take()...);
            }
            (std::index_sequence_for<Ts...>{});
        }
    }

private:
    void rethrow_first() {
        std::apply([](auto&... s) { ((s.error ? std::rethrow_exception(s.error) : void()), ...); }, slots_);
    }

    std::tuple<task<Ts>...> tasks_;
    std::tuple<result_slot<Ts>...> slots_;
    std::array<join_handle<void>, sizeof...(Ts)> children_;
};

template <class T>
class when_all_range final : public fan_in {
public:
    explicit when_all_range(std::vector<task<T>> ts) : tasks_(std::move(ts)), slots_(tasks_.size()) {}

    bool await_ready() const noexcept { return tasks_.empty(); }

    template <class P>
    bool await_suspend(std::coroutine_handle<P> h) {
        runtime_core* core = h.promise().core();
        children_.reserve(tasks_.size());
        for (std::size_t i = 0; i < tasks_.size(); ++i)
            children_.push_back(make_child(tasks_[i], &slots_[i], this, i, false, core));
        begin(h, h.promise().root_, children_.data(), tasks_.size());
        for (std::size_t i = 0; i < tasks_.size(); ++i) start_child(children_[i], &slots_[i], this);
        return suspend();
    }

    std::vector<stored_t<T>> await_resume() {
        std::vector<stored_t<T>> out;
        if (tasks_.empty()) return out;
        finish();
        for (auto& s : slots_)
            if (s.error) std::rethrow_exception(s.error);
        out.reserve(slots_.size());
        for (auto& s : slots_) out.push_back(s.take());
        return out;
    }

private:
    std::vector<task<T>> tasks_;
    std::vector<result_slot<T>> slots_;
    std::vector<join_handle<void>> children_;
};

}  // namespace detail

template <class... Ts>
[[nodiscard]] auto when_all(task<Ts>... tasks) {
    return detail::when_all_tuple<Ts...>(std::move(tasks)...);
}

template <class T>
[[nodiscard]] auto when_all(std::vector<task<T>> tasks) {
    return detail::when_all_range<T>(std::move(tasks));
}

}  // namespace weft
