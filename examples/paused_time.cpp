// paused_time.cpp — testing timer logic without waiting: a runtime whose clock stands still
// until advance_time() moves it (docs/timers.md quotes run_paused()).
#include <chrono>
#include <cstdio>

#include <weft/weft.hpp>

using namespace std::chrono_literals;

weft::task<int> slow() {
    co_await weft::sleep_for(1h);
    co_return 1;
}

int run_paused() {
    auto cfg = weft::runtime_config::load();  // defaults, $WEFT_CONFIG, WEFT_*
    cfg.section<weft::timer_config>().paused = true;
    weft::runtime rt(cfg);
    auto t0 = weft::now(rt);
    auto h = rt.spawn(weft::timeout_at(t0 + 100ms, slow()));
    weft::advance_time(rt, 100ms);  // the deadline passes now, instantly
    auto wait = [](weft::join_handle<int>* handle) -> weft::task<bool> {
        try {
            co_await *handle;
        } catch (const weft::timeout_error&) {
            co_return true;
        }
        co_return false;
    };
    return rt.block_on(wait(&h)) ? 0 : 1;
}

int main() {
    try {
        int rc = run_paused();
        std::puts(rc == 0 ? "timed out at the paused deadline" : "no timeout");
        return rc;
    } catch (const weft::config_error& e) {  // a bad WEFT_* variable or $WEFT_CONFIG file
        std::fprintf(stderr, "%s\n", e.what());
        return 2;
    }
}
