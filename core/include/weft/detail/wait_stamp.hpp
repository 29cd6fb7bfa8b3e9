// weft/detail/wait_stamp.hpp — when a wait began, in few bits, for the task dump's "since
// when". Users do not include this.
//
// Stamps are the monotonic clock (steady_clock) cut to fit spare bits of an awaitable, so
// that a waiting task's frame does not grow: 32 bits of milliseconds where an awaitable has
// padding (join, group join, when_all; a wait longer than 49.7 days wraps and shows
// shorter), 16 bits of seconds in the unused top bits of a sync-primitive waiter's list
// pointer (wait_queue.hpp; such a wait shows to the second, and one longer than 18.2 hours
// wraps and shows shorter).
// Taking a stamp must cost next to nothing — a channel ping-pong waits twice per round trip
// of ~90 ns, and even the vDSO's coarse clock (~12 ns there) made it 24% slower — so each
// worker keeps the time cached in tl_wait_clock_ms, refreshed where it reads the clock
// anyway (its loop's timed resumption, one in 128) and when it wakes from a park. A stamp
// may therefore be early by the run time of the tasks since the last refresh: a wait shows
// at most that much longer, never shorter. Threads that are not workers read the clock.
//
//     const std::uint32_t began = detail::wait_stamp_ms(detail::wait_stamp_now());
//     ...
//     std::int64_t since = detail::wait_stamp_ms_to_steady_ns(began);  // steady_clock ns
#pragma once

#include <time.h>

#include <chrono>
#include <cstdint>

namespace weft::detail {

// The calling worker's clock in ms as of its last refresh; 0 on other threads.
[[gnu::tls_model("initial-exec")]] extern thread_local std::uint64_t tl_wait_clock_ms;

inline std::uint64_t steady_ns_to_ms(std::int64_t steady_ns) noexcept {
    return static_cast<std::uint64_t>(steady_ns) / 1'000'000u;
}

// Reads the clock (coarse: the vDSO's tick-granular copy of CLOCK_MONOTONIC, 1-4 ms).
inline std::uint64_t wait_clock_read_ms() noexcept {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return static_cast<std::uint64_t>(ts.tv_sec) * 1000u + static_cast<std::uint64_t>(ts.tv_nsec) / 1'000'000u;
}

// Now, in ms: the worker's cached time, or the clock.
inline std::uint64_t wait_stamp_now() noexcept {
    const std::uint64_t cached = tl_wait_clock_ms;
    return cached ? cached : wait_clock_read_ms();
}
inline std::uint32_t wait_stamp_ms(std::uint64_t ms) noexcept { return static_cast<std::uint32_t>(ms); }
inline std::uint16_t wait_stamp_s(std::uint64_t ms) noexcept { return static_cast<std::uint16_t>(ms / 1000u); }

// A worker refreshes its cached time (from steady_clock ns it has just read, or the clock).
inline void refresh_wait_clock(std::int64_t steady_ns) noexcept { tl_wait_clock_ms = steady_ns_to_ms(steady_ns); }
inline void refresh_wait_clock() noexcept { tl_wait_clock_ms = wait_clock_read_ms(); }

// The steady_clock time (ns since its epoch) at which a stamp was taken, to its unit.
inline std::int64_t steady_now_ns() noexcept {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}
inline std::int64_t wait_stamp_ms_to_steady_ns(std::uint32_t stamp) noexcept {
    const std::int64_t now = steady_now_ns();
    const std::uint32_t waited = wait_stamp_ms(steady_ns_to_ms(now)) - stamp;  // modulo 2^32
    return now - static_cast<std::int64_t>(waited) * 1'000'000;
}
inline std::int64_t wait_stamp_s_to_steady_ns(std::uint16_t stamp) noexcept {
    const std::int64_t now = steady_now_ns();
    const std::uint16_t waited = static_cast<std::uint16_t>(wait_stamp_s(steady_ns_to_ms(now)) - stamp);  // mod 2^16
    return now - static_cast<std::int64_t>(waited) * 1'000'000'000;
}

}  // namespace weft::detail
