// micro.hpp — what the micro-benchmark files share.
#pragma once

#include <cstdint>

#include <benchmark/benchmark.h>

#include <weft/config.hpp>

namespace weft::micro {

// Operations per block_on. block_on itself (inject, wake a parked worker, signal the
// blocked thread back: BM_block_on_empty) costs about 5 us on an idle 2-CPU VM and ten
// times that when the machine is busy; with 10,000 operations of 10-50 ns each it stays a
// few percent of a batch. (With 1,000 it was most of BM_channel_try_same_task's time.)
inline constexpr int batch = 10'000;

// A runtime config with the worker count given as the benchmark's first argument.
inline weft::runtime_config workers_from(const benchmark::State& state) {
    return weft::runtime_config{.workers = static_cast<std::uint32_t>(state.range(0))};
}

inline void count_batches(benchmark::State& state, std::int64_t per_iteration = batch) {
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * per_iteration);
}

}  // namespace weft::micro
