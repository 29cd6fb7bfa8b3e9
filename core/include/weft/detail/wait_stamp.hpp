// weft/detail/wait_stamp.hpp — when a wait began, in 32 bits, for the task dump's "since
// when". Users do not include this.
//
// A stamp is CLOCK_MONOTONIC_COARSE in milliseconds, truncated to 32 bits: reading it costs
// a load from the vDSO page (no kvm-clock read), and it fits in spare bits of an awaitable
// (wait_queue.hpp keeps it in the unused top bits of a waiter's two pointers, so a waiting
// task's frame does not grow). The dump turns it into a steady_clock time point by the
// distance from its own coarse now; a wait longer than 2^32 ms (49.7 days) wraps and shows
// shorter. Resolution is the kernel tick (1-4 ms).
//
//     const std::uint32_t began = detail::wait_stamp_now();
//     ...
//     std::int64_t since = detail::wait_stamp_to_steady_ns(began);  // steady_clock ns
#pragma once

#include <time.h>

#include <chrono>
#include <cstdint>

namespace weft::detail {

inline std::uint32_t wait_stamp_now() noexcept {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return static_cast<std::uint32_t>(static_cast<std::uint64_t>(ts.tv_sec) * 1000u +
                                      static_cast<std::uint64_t>(ts.tv_nsec) / 1'000'000u);
}

// The steady_clock time (ns since its epoch) at which `stamp` was taken, give or take a tick.
inline std::int64_t wait_stamp_to_steady_ns(std::uint32_t stamp) noexcept {
    const std::uint32_t waited_ms = wait_stamp_now() - stamp;  // modulo 2^32: a wrap stays small
    const std::int64_t now =
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
            .count();
    return now - static_cast<std::int64_t>(waited_ms) * 1'000'000;
}

}  // namespace weft::detail
