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
class when_any_tuple final : public fan_in_tuple<true, Ts...> {
    using base = fan_in_tuple<true, Ts...>;
    using base::slots_;

public:
    using result_type = std::variant<stored_t<Ts>...>;
    using base::base;

    bool await_ready() const noexcept { return false; }

    result_type await_resume() {
        this->finish();
        return take<0>(this->winner());
    }

private:
    template <std::size_t I>
    result_type take(std::size_t w) {
        if constexpr (I + 1 < sizeof...(Ts)) {
            if (w != I) return take<I + 1>(w);
        }
        return result_type(std::in_place_index<I>, std::get<I>(slots_).take());
    }
};

template <class T>
class when_any_range final : public fan_in_range<true, T> {
    using base = fan_in_range<true, T>;
    using base::slots_;
    using base::tasks_;

public:
    explicit when_any_range(std::vector<task<T>> ts) : base(std::move(ts)) {
        if (tasks_.empty()) throw error("weft::when_any needs at least one task");
    }

    bool await_ready() const noexcept { return false; }

    std::pair<std::size_t, stored_t<T>> await_resume() {
        this->finish();
        std::size_t w = this->winner();
        return {w, slots_[w].take()};
    }
};

}  // namespace detail

// Runs the tasks concurrently; the first to finish wins, the others are cancelled (see the header).
template <class T0, class... Ts>
[[nodiscard]] auto when_any(task<T0> first, task<Ts>... rest) {
    return detail::when_any_tuple<T0, Ts...>(std::move(first), std::move(rest)...);
}

// Runs the tasks concurrently; the first to finish wins, the others are cancelled (see the header).
template <class T>
[[nodiscard]] auto when_any(std::vector<task<T>> tasks) {
    return detail::when_any_range<T>(std::move(tasks));
}

}  // namespace weft
