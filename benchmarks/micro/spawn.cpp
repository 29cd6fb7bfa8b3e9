// spawn.cpp — the cost of a spawned task, from inside a runtime: spawn one empty task and
// await it at once (spawn, schedule, run, complete, resume the joiner, free), and spawn a
// batch first and join it afterwards (W1's pattern, where the queue fills and spills).
#include <vector>

#include <weft/runtime.hpp>

#include "micro.hpp"

namespace weft::micro {
namespace {

weft::task<> empty_task() { co_return; }

weft::task<> spawn_join_each(int n) {
    for (int i = 0; i < n; ++i) co_await weft::spawn(empty_task());
}

weft::task<> spawn_all_then_join(int n) {
    std::vector<weft::join_handle<>> handles;
    handles.reserve(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) handles.push_back(weft::spawn(empty_task()));
    for (auto& h : handles) co_await h;
}

// The fixed cost every batch below pays once: block_on of an empty task from the benchmark
// thread (inject into the global queue, wake a parked worker, run, signal back).
void BM_block_on_empty(benchmark::State& state) {
    weft::runtime rt(workers_from(state));
    for (auto _ : state) rt.block_on(empty_task());
    count_batches(state, 1);
}
BENCHMARK(BM_block_on_empty)->ArgName("workers")->Arg(1)->Arg(2)->UseRealTime();

void BM_spawn_join_one(benchmark::State& state) {
    weft::runtime rt(workers_from(state));
    for (auto _ : state) rt.block_on(spawn_join_each(batch));
    count_batches(state);
}
BENCHMARK(BM_spawn_join_one)->ArgName("workers")->Arg(1)->Arg(2)->UseRealTime();

void BM_spawn_batch_then_join(benchmark::State& state) {
    weft::runtime rt(workers_from(state));
    for (auto _ : state) rt.block_on(spawn_all_then_join(batch));
    count_batches(state);
}
BENCHMARK(BM_spawn_batch_then_join)->ArgName("workers")->Arg(1)->Arg(2)->UseRealTime();

}  // namespace
}  // namespace weft::micro
