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
class when_all_tuple final : public fan_in_tuple<false, Ts...> {
    using base = fan_in_tuple<false, Ts...>;
    using base::slots_;

public:
    using base::base;

    bool await_ready() const noexcept { return sizeof...(Ts) == 0; }

    std::tuple<stored_t<Ts>...> await_resume() {
        if constexpr (sizeof...(Ts) == 0) {
            return {};
        } else {
            this->finish();
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
};

template <class T>
class when_all_range final : public fan_in_range<false, T> {
    using base = fan_in_range<false, T>;
    using base::slots_;
    using base::tasks_;

public:
    using base::base;

    bool await_ready() const noexcept { return tasks_.empty(); }

    std::vector<stored_t<T>> await_resume() {
        std::vector<stored_t<T>> out;
        if (tasks_.empty()) return out;
        this->finish();
        for (auto& s : slots_)
            if (s.error) std::rethrow_exception(s.error);
        out.reserve(slots_.size());
        for (auto& s : slots_) out.push_back(s.take());
        return out;
    }
};

}  // namespace detail

// Runs the tasks concurrently; a tuple of their results (see the header for failures).
template <class... Ts>
[[nodiscard]] auto when_all(task<Ts>... tasks) {
    return detail::when_all_tuple<Ts...>(std::move(tasks)...);
}

// Runs the tasks concurrently; their results, in order (see the header for failures).
template <class T>
[[nodiscard]] auto when_all(std::vector<task<T>> tasks) {
    return detail::when_all_range<T>(std::move(tasks));
}

}  // namespace weft
