// timer_wheel.cpp — the per-worker timer wheel against the obvious alternative, an ordered
// std::multimap keyed by deadline (what many event loops use): arm+cancel (a timeout that
// does not fire, the common case) and arm+fire, with N timers already armed around it.
#include <cstdint>
#include <map>
#include <random>
#include <vector>

#include "micro.hpp"
#include <weft/internal/timer_wheel.hpp>

namespace weft::micro {
namespace {

using weft::detail::timer_node;
using weft::detail::timer_wheel;

// Deadlines spread over 0..100 s at 1 ms ticks, like the W6 workload and request timeouts.
std::vector<std::uint64_t> deadlines(std::size_t n) {
    std::mt19937_64 rng(7);
    std::vector<std::uint64_t> d(n);
    for (auto& x : d) x = 1 + rng() % 100'000;
    return d;
}

void BM_wheel_arm_cancel(benchmark::State& state) {
    const auto background = static_cast<std::size_t>(state.range(0));
    timer_wheel w;
    std::vector<timer_node> others(background);
    auto ds = deadlines(background + 1024);
    for (std::size_t i = 0; i < background; ++i) w.insert(&others[i], ds[i]);
    timer_node n;
    std::size_t k = 0;
    for (auto _ : state) {
        w.insert(&n, ds[background + (k++ & 1023)]);
        benchmark::DoNotOptimize(w.remove(&n));
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_wheel_arm_cancel)->ArgName("armed")->Arg(0)->Arg(100'000);

void BM_multimap_arm_cancel(benchmark::State& state) {
    const auto background = static_cast<std::size_t>(state.range(0));
    std::multimap<std::uint64_t, int> m;
    auto ds = deadlines(background + 1024);
    for (std::size_t i = 0; i < background; ++i) m.emplace(ds[i], 0);
    std::size_t k = 0;
    for (auto _ : state) {
        auto it = m.emplace(ds[background + (k++ & 1023)], 1);
        m.erase(it);
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_multimap_arm_cancel)->ArgName("armed")->Arg(0)->Arg(100'000);

// Arm 100,000 timers, then advance time until all fired: cost per timer of insert + expiry
// (cascades included).
void BM_wheel_arm_fire(benchmark::State& state) {
    constexpr std::size_t n = 100'000;
    auto ds = deadlines(n);
    std::vector<timer_node> nodes(n);
    std::uint64_t base = 0;
    for (auto _ : state) {
        timer_wheel w(base);
        for (std::size_t i = 0; i < n; ++i) w.insert(&nodes[i], base + ds[i]);
        std::size_t fired = 0;
        while (auto next = w.next_expiration()) w.advance(*next, [&](timer_node*) { ++fired; });
        benchmark::DoNotOptimize(fired);
        base += 12'345;
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * n));
}
BENCHMARK(BM_wheel_arm_fire);

void BM_multimap_arm_fire(benchmark::State& state) {
    constexpr std::size_t n = 100'000;
    auto ds = deadlines(n);
    for (auto _ : state) {
        std::multimap<std::uint64_t, int> m;
        for (std::size_t i = 0; i < n; ++i) m.emplace(ds[i], 0);
        std::size_t fired = 0;
        while (!m.empty()) {
            m.erase(m.begin());
            ++fired;
        }
        benchmark::DoNotOptimize(fired);
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * n));
}
BENCHMARK(BM_multimap_arm_fire);

}  // namespace
}  // namespace weft::micro
