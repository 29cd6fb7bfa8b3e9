// readme.cpp — the program README.md shows: asyncio's run / create_task / gather, in weft.
#include <fmt/format.h>

#include <weft/weft.hpp>

weft::task<long> sum_to(long n) {  // asyncio: async def sum_to(n)
    long s = 0;
    for (long i = 1; i <= n; ++i) s += i;
    co_await weft::yield_now();  // asyncio: await asyncio.sleep(0)
    co_return s;
}

weft::task<int> main_task() {
    // asyncio.gather, then create_task + await:
    auto [a, b, c] = co_await weft::when_all(sum_to(10), sum_to(1'000), sum_to(1'000'000));
    long d = co_await weft::spawn(sum_to(100));
    fmt::print("{} {} {} {}\n", a, b, c, d);
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
