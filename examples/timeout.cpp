// timeout.cpp — a timeout around a slow operation (asyncio.wait_for).
//
// The slow operation is cancelled when the deadline passes, and timeout waits until it has
// finished cancelling (its clean-up ran) before throwing timeout_error.
#include <chrono>

#include <fmt/format.h>

#include <weft/weft.hpp>

using namespace std::chrono_literals;

weft::task<int> slow_lookup(std::chrono::milliseconds how_long) {
    try {
        co_await weft::sleep_for(how_long);  // stands for a slow network call
    } catch (const weft::cancelled_error&) {
        fmt::print("  slow_lookup: cancelled, cleaning up\n");
        throw;
    }
    co_return 42;
}

weft::task<int> main_task() {
    int fast = co_await weft::timeout(500ms, slow_lookup(50ms));
    fmt::print("fast lookup: {}\n", fast);
    try {
        co_await weft::timeout(100ms, slow_lookup(10s));
    } catch (const weft::timeout_error&) {
        fmt::print("slow lookup: timed out after 100 ms\n");
    }
    auto maybe = co_await weft::try_timeout(100ms, slow_lookup(10s));  // no exception
    fmt::print("try_timeout: {}\n", maybe ? "value" : "nothing (timed out)");
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
