// periodic.cpp — a periodic task with interval, stopped by cancellation.
//
// interval's default missed-tick policy (skip) keeps the schedule: if a tick is late, it
// fires once and the next one comes at its planned time, with no burst of catch-up ticks.
#include <chrono>

#include <fmt/format.h>

#include <weft/weft.hpp>

using namespace std::chrono_literals;

weft::task<int> report_every(std::chrono::milliseconds period) {
    weft::interval every(period);
    auto start = weft::now();
    int ticks = 0;
    try {
        while (true) {
            co_await every.tick();
            auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(weft::now() - start).count();
            fmt::print("  tick {} at {} ms\n", ++ticks, ms);
        }
    } catch (const weft::cancelled_error&) {
        fmt::print("  stopped after {} ticks\n", ticks);
    }
    co_return ticks;
}

weft::task<int> main_task() {
    auto reporter = weft::spawn(report_every(100ms));
    co_await weft::sleep_for(550ms);
    reporter.cancel();              // cancellation reaches it in its tick()
    int ticks = co_await reporter;  // ticks at 0, 100, ..., 500 ms: 6
    fmt::print("reporter ran {} ticks\n", ticks);
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
