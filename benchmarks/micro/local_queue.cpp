// local_queue.cpp — a worker's run queue (core/src/local_queue.hpp, header-only),
// uncontended: the owner's push and pop, and a thief's steal_into. Items are addresses of
// dummy slots (the queue only stores pointers; nullptr means "empty").
#include <array>
#include <cstdint>

#include "local_queue.hpp"
#include "micro.hpp"

namespace weft::micro {
namespace {

constexpr std::uint32_t queue_capacity = 256;  // runtime_config::local_queue_capacity's default
std::array<int, queue_capacity> dummies{};

void* item(std::int64_t i) { return &dummies[static_cast<std::size_t>(i) % queue_capacity]; }

// Push n items, then pop them (n = 1: one task in and out; n = 128: half a queue).
void BM_local_queue_push_pop(benchmark::State& state) {
    weft::detail::local_queue q(queue_capacity);
    const std::int64_t n = state.range(0);
    for (auto _ : state) {
        for (std::int64_t i = 0; i < n; ++i) q.push(item(i));
        for (std::int64_t i = 0; i < n; ++i) benchmark::DoNotOptimize(q.pop());
    }
    count_batches(state, n);
}
BENCHMARK(BM_local_queue_push_pop)->ArgName("items")->Arg(1)->Arg(128);

// Fill the victim with n items, steal half into the thief's queue, drain both. Every item
// is pushed once and taken once (by the steal or a pop), so items/s compares directly with
// BM_local_queue_push_pop/items:n; the difference is the cost of the steal.
void BM_local_queue_steal_into(benchmark::State& state) {
    weft::detail::local_queue victim(queue_capacity);
    weft::detail::local_queue thief(queue_capacity);
    const std::int64_t n = state.range(0);
    for (auto _ : state) {
        for (std::int64_t i = 0; i < n; ++i) victim.push(item(i));
        benchmark::DoNotOptimize(victim.steal_into(thief));
        while (void* t = thief.pop()) benchmark::DoNotOptimize(t);
        while (void* t = victim.pop()) benchmark::DoNotOptimize(t);
    }
    count_batches(state, n);
}
BENCHMARK(BM_local_queue_steal_into)->ArgName("items")->Arg(2)->Arg(128);

}  // namespace
}  // namespace weft::micro
