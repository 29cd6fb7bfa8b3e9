// load_util.hpp — what the network scenarios (echo, http) share: CPU clocks for the
// server-CPU figure and latency percentiles.
#pragma once

#include <sys/resource.h>
#include <sys/time.h>

#include <algorithm>
#include <cstdint>
#include <ctime>
#include <vector>

namespace weft::bench {

inline double process_cpu() {
    rusage ru;
    ::getrusage(RUSAGE_SELF, &ru);
    return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

inline double thread_cpu() {
    timespec ts;
    ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// The p-quantile of latencies in nanoseconds, in microseconds (reorders v).
inline double percentile_us(std::vector<std::uint32_t>& v, double p) {
    if (v.empty()) return 0;
    auto k = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1));
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
    return v[k] / 1000.0;
}

}  // namespace weft::bench
