// task_group.cpp — what a task_group child costs over a plain spawned task: spawn a batch
// of empty children into a group and join it (a child is a wrapper task plus a shared
// result slot), next to spawn.cpp's BM_spawn_batch_then_join (the same with join_handles).
#include <weft/runtime.hpp>
#include <weft/task_group.hpp>

#include "micro.hpp"

namespace weft::micro {
namespace {

weft::task<> empty_child() { co_return; }

weft::task<> group_spawn_all_then_join(int n) {
    weft::task_group g;
    for (int i = 0; i < n; ++i) (void)g.spawn(empty_child());
    co_await g.join();
}

void BM_task_group_spawn_batch_then_join(benchmark::State& state) {
    weft::runtime rt(workers_from(state));
    for (auto _ : state) rt.block_on(group_spawn_all_then_join(batch));
    count_batches(state);
}
BENCHMARK(BM_task_group_spawn_batch_then_join)->ArgName("workers")->Arg(1)->Arg(2)->UseRealTime();

}  // namespace
}  // namespace weft::micro
