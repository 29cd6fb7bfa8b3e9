// weft/detail/histogram_recorder.hpp — a latency histogram written by one thread and read
// by any (the metrics snapshot), as counter.hpp's counters: relaxed loads and stores, no
// read-modify-write. Buckets are powers of two of nanoseconds (histogram in metrics.hpp).
// Users do not include this.
#pragma once

#include <atomic>
#include <bit>
#include <cstdint>

#include <weft/metrics.hpp>

namespace weft::detail {

class histogram_recorder {
public:
    // Owner thread only.
    void record_ns(std::int64_t ns) noexcept {
        const std::uint64_t v = ns > 0 ? static_cast<std::uint64_t>(ns) : 0;
        bump(counts_[histogram::bucket_of(v)], 1);
        bump(count_, 1);
        bump(sum_ns_, v);
    }
    // Any thread.
    histogram snapshot() const noexcept {
        histogram h;
        for (std::size_t i = 0; i < histogram::buckets; ++i) h.counts[i] = counts_[i].load(std::memory_order_relaxed);
        h.count = count_.load(std::memory_order_relaxed);
        h.sum_s = static_cast<double>(sum_ns_.load(std::memory_order_relaxed)) / 1e9;
        return h;
    }

private:
    static void bump(std::atomic<std::uint64_t>& a, std::uint64_t n) noexcept {
        a.store(a.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
    }
    std::atomic<std::uint64_t> counts_[histogram::buckets]{};
    std::atomic<std::uint64_t> count_{0};
    std::atomic<std::uint64_t> sum_ns_{0};
};

}  // namespace weft::detail
