// yield.cpp — one yield_now() round: the task goes to the back of the run queue and the
// worker picks it up again (with 2 workers the other one may steal it in between).
#include <weft/runtime.hpp>
#include <weft/yield.hpp>

#include "micro.hpp"

namespace weft::micro {
namespace {

weft::task<> yield_times(int n) {
    for (int i = 0; i < n; ++i) co_await weft::yield_now();
}

void BM_yield_now(benchmark::State& state) {
    weft::runtime rt(workers_from(state));
    for (auto _ : state) rt.block_on(yield_times(batch));
    count_batches(state);
}
BENCHMARK(BM_yield_now)->ArgName("workers")->Arg(1)->Arg(2)->UseRealTime();

}  // namespace
}  // namespace weft::micro
