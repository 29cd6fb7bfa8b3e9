// wait_random.cpp — the asyncio tutorial's first program, in weft.
//
//   async def wait_random(max_delay: int = 10) -> float:
//       delay = random.uniform(0, max_delay); await asyncio.sleep(delay); return delay
//   async def main(): print(await asyncio.gather(*(wait_random(3) for _ in range(3))))
//   asyncio.run(main())
//
// gather (when_all) runs the three at once: the whole takes as long as the longest delay,
// not the sum of them.
#include <chrono>
#include <random>
#include <vector>

#include <fmt/format.h>

#include <weft/weft.hpp>

using namespace std::chrono;

weft::task<double> wait_random(double max_delay_s, unsigned seed) {
    std::mt19937 rng(seed);
    double delay = std::uniform_real_distribution<double>(0.0, max_delay_s)(rng);
    co_await weft::sleep_for(duration<double>(delay));
    co_return delay;
}

weft::task<int> main_task() {
    auto t0 = steady_clock::now();
    std::vector<weft::task<double>> tasks;
    for (unsigned i = 0; i < 3; ++i) tasks.push_back(wait_random(1.0, 42 + i));
    std::vector<double> delays = co_await weft::when_all(std::move(tasks));  // asyncio.gather
    double total = duration<double>(steady_clock::now() - t0).count();
    fmt::print("delays: {:.3f} s, {:.3f} s, {:.3f} s; all done in {:.3f} s\n", delays[0], delays[1], delays[2], total);
    co_return 0;
}

int main() {
    try {
        return weft::run(main_task());       // asyncio.run
    } catch (const weft::config_error& e) {  // a bad WEFT_* variable or $WEFT_CONFIG file
        fmt::print(stderr, "{}\n", e.what());
        return 2;
    }
}
