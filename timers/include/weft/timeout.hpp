// weft/timeout.hpp — timeout, timeout_at and try_timeout: asyncio's wait_for.
//
// The task runs; if it finishes first, its result (or exception) is returned; if the
// deadline comes first, the task is cancelled, awaited until it has finished cancelling,
// and timeout_error is thrown (try_timeout returns std::nullopt instead, for hot paths
// where a timeout is not exceptional). Cancelling the awaiting task cancels both.
//
//   std::string page = co_await weft::timeout(2s, fetch(url));
//   std::optional<int> v = co_await weft::try_timeout(50ms, lookup(key));
//
// The task runs as a child (like when_any, which this is built on), so it may run on
// another worker. Thread safety: as when_any.
#pragma once

#include <chrono>
#include <optional>
#include <type_traits>
#include <utility>

#include <weft/clock.hpp>
#include <weft/error.hpp>
#include <weft/sleep.hpp>
#include <weft/task.hpp>
#include <weft/when_any.hpp>

namespace weft {

namespace detail {

// The other contestant of a timeout: a sleep until the deadline.
inline task<> deadline_reached(std::chrono::steady_clock::time_point deadline) { co_await sleep_until(deadline); }

}  // namespace detail

// Returns t's result, or cancels t and throws timeout_error once the deadline has passed.
template <class T>
task<T> timeout_at(std::chrono::steady_clock::time_point deadline, task<T> t) {
    auto r = co_await when_any(std::move(t), detail::deadline_reached(deadline));
    if (r.index() == 1) throw timeout_error();
    if constexpr (std::is_void_v<T>)
        co_return;
    else
        co_return detail::unwrap_stored<T>(std::get<0>(std::move(r)));
}

// Runs t with a deadline d from now; throws timeout_error (and cancels t) when it passes first.
template <class T, class Rep, class Period>
task<T> timeout(std::chrono::duration<Rep, Period> d, task<T> t) {
    return timeout_at(weft::now() + std::chrono::ceil<std::chrono::steady_clock::duration>(d), std::move(t));
}

// As timeout, without the exception: std::nullopt when the deadline passed first (a void
// task gives std::optional<std::monostate>).
template <class T, class Rep, class Period>
task<std::optional<detail::stored_t<T>>> try_timeout(std::chrono::duration<Rep, Period> d, task<T> t) {
    auto deadline = weft::now() + std::chrono::ceil<std::chrono::steady_clock::duration>(d);
    auto r = co_await when_any(std::move(t), detail::deadline_reached(deadline));
    if (r.index() == 1) co_return std::nullopt;
    co_return std::optional<detail::stored_t<T>>(std::get<0>(std::move(r)));
}

}  // namespace weft
