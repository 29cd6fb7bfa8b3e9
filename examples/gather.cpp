// gather.cpp — asyncio's `gather` tutorial, in weft.
//
// Python's version awaits `asyncio.sleep(random)` in each coroutine; gather finishes after
// the longest delay, not the sum. weft is multi-threaded, so the same shape also works for
// CPU-bound work: each `work_random` below does a random amount of real work, and
// when_all runs them on all workers at once. With as many workers as tasks, the total is
// close to the longest task instead of the sum.
//
//   build/examples/gather            # uses every CPU this process may use
//   WEFT_WORKERS=1 build/examples/gather   # one worker: the total is the sum
#include <chrono>
#include <cstdint>
#include <random>
#include <vector>

#include <fmt/format.h>

#include <weft/weft.hpp>

using clock_type = std::chrono::steady_clock;

// Counts primes below `limit` the slow way: a deterministic amount of CPU work.
std::uint64_t count_primes(std::uint64_t limit) {
    std::uint64_t n = 0;
    for (std::uint64_t i = 2; i < limit; ++i) {
        bool prime = true;
        for (std::uint64_t d = 2; d * d <= i; ++d)
            if (i % d == 0) {
                prime = false;
                break;
            }
        n += prime;
    }
    return n;
}

// asyncio: async def wait_random(max_delay) -> float
weft::task<double> work_random(std::uint64_t size) {
    auto t0 = clock_type::now();
    co_await weft::yield_now();  // a suspension point, like the await in the tutorial
    std::uint64_t primes = count_primes(size);
    double ms = std::chrono::duration<double, std::milli>(clock_type::now() - t0).count();
    fmt::print("  task of size {:>7}: {:>6} primes in {:6.1f} ms\n", size, primes, ms);
    co_return ms;
}

weft::task<int> main_task() {
    std::mt19937_64 rng(42);
    std::uniform_int_distribution<std::uint64_t> size(200'000, 1'500'000);
    std::vector<weft::task<double>> tasks;
    for (int i = 0; i < 4; ++i) tasks.push_back(work_random(size(rng)));

    auto t0 = clock_type::now();
    std::vector<double> times = co_await weft::when_all(std::move(tasks));  // asyncio.gather
    double total = std::chrono::duration<double, std::milli>(clock_type::now() - t0).count();

    double sum = 0, longest = 0;
    for (double t : times) {
        sum += t;
        longest = std::max(longest, t);
    }
    fmt::print("gather: {:.1f} ms in total; the longest task took {:.1f} ms, all of them {:.1f} ms\n", total, longest,
               sum);
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
