// weft/when_any.hpp — when_any: the first task to finish wins; the others are cancelled
// and awaited before it returns (so nothing is left running). Finishing with an exception
// counts as finishing: the winner's exception is rethrown. Cancelling the awaiting task
// cancels all children, waits for them, and throws cancelled_error.
//
//   auto r = co_await weft::when_any(fetch(primary), fetch(mirror));
//   // r.index() says who won; std::get<0>(r) / std::get<1>(r) the value (variant)
//   auto [i, v] = co_await weft::when_any(std::move(tasks));   // range: pair(index, value)
//
// Thread safety: as when_all.
#pragma once

#include <array>
#include <tuple>
#include <utility>
#include <variant>
#include <vector>

#include <weft/detail/fan_in.hpp>

namespace weft {

namespace detail {

template <class... Ts>
class when_any_tuple final : public fan_in {
public:
    using result_type = std::variant<stored_t<Ts>...>;

    explicit when_any_tuple(task<Ts>... ts) : tasks_(std::move(ts)...) {}

    bool await_ready() const noexcept { return false; }

    template <class P>
    bool await_suspend(std::coroutine_handle<P> h) {
        runtime_core* core = h.promise().core();
        [&]<std::size_t... I>(std::index_sequence<I...>) {
            ((children_[I] = make_child(std::get<I>(tasks_), &std::get<I>(slots_), this, I, true, core)), ...);
            begin(h, h.promise().root_, children_.data(), sizeof...(Ts));
            (start_child(children_[I], &std::get<I>(slots_), this), ...);
        }
        (std::index_sequence_for<Ts...>{});
        return suspend();
    }

    result_type await_resume() {
        finish();
        return take<0>(winner());
    }

private:
    template <std::size_t I>
    result_type take(std::size_t w) {
        if constexpr (I + 1 < sizeof...(Ts)) {
            if (w != I) return take<I + 1>(w);
        }
        return result_type(std::in_place_index<I>, std::get<I>(slots_).take());
    }

    std::tuple<task<Ts>...> tasks_;
    std::tuple<result_slot<Ts>...> slots_;
    std::array<join_handle<void>, sizeof...(Ts)> children_;
};

template <class T>
class when_any_range final : public fan_in {
public:
    explicit when_any_range(std::vector<task<T>> ts) : tasks_(std::move(ts)), slots_(tasks_.size()) {
        if (tasks_.empty()) throw error("weft::when_any needs at least one task");
    }

    bool await_ready() const noexcept { return false; }

    template <class P>
    bool await_suspend(std::coroutine_handle<P> h) {
        runtime_core* core = h.promise().core();
        children_.reserve(tasks_.size());
        for (std::size_t i = 0; i < tasks_.size(); ++i)
            children_.push_back(make_child(tasks_[i], &slots_[i], this, i, true, core));
        begin(h, h.promise().root_, children_.data(), tasks_.size());
        for (std::size_t i = 0; i < tasks_.size(); ++i) start_child(children_[i], &slots_[i], this);
        return suspend();
    }

    std::pair<std::size_t, stored_t<T>> await_resume() {
        finish();
        std::size_t w = winner();
        return {w, slots_[w].take()};
    }

private:
    std::vector<task<T>> tasks_;
    std::vector<result_slot<T>> slots_;
    std::vector<join_handle<void>> children_;
};

}  // namespace detail

template <class T0, class... Ts>
[[nodiscard]] auto when_any(task<T0> first, task<Ts>... rest) {
    return detail::when_any_tuple<T0, Ts...>(std::move(first), std::move(rest)...);
}

template <class T>
[[nodiscard]] auto when_any(std::vector<task<T>> tasks) {
    return detail::when_any_range<T>(std::move(tasks));
}

}  // namespace weft
