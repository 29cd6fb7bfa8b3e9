// micro.hpp — what the micro-benchmark files share.
#pragma once

#include <cstdint>

#include <benchmark/benchmark.h>

#include <weft/config.hpp>

namespace weft::micro {

// Operations per block_on. block_on itself (inject, wake a parked worker, signal the
// blocked thread back: BM_block_on_empty) cost between 5 and 60 us on the 2-vCPU VM this
// was written on, depending on the rest of the machine's load (waking an idle vCPU is
// slow); 10,000 operations of 10-50 ns each keep it to a few percent of a batch, where
// 1,000 left it most of BM_channel_try_same_task's time.
inline constexpr int batch = 10'000;

// A runtime config with the worker count given as the benchmark's first argument.
inline weft::runtime_config workers_from(const benchmark::State& state) {
    return weft::runtime_config{.workers = static_cast<std::uint32_t>(state.range(0))};
}

inline void count_batches(benchmark::State& state, std::int64_t per_iteration = batch) {
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * per_iteration);
}

}  // namespace weft::micro
