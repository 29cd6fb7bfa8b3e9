// task_dump — what are my tasks doing? weft::dump_tasks prints the tree asyncio's
// `python -m asyncio pstree` would: each task's spawn site (or name), what it waits on,
// and who awaits it.
#include <fmt/core.h>

#include <chrono>

#include <weft/channel.hpp>
#include <weft/error.hpp>
#include <weft/runtime.hpp>
#include <weft/sleep.hpp>
#include <weft/task_dump.hpp>
#include <weft/task_group.hpp>

using namespace std::chrono_literals;

weft::task<> consumer(weft::channel<int>* jobs) {
    while (auto job = co_await jobs->recv()) co_await weft::sleep_for(std::chrono::milliseconds(*job));
}

weft::task<> pool(weft::channel<int>* jobs) {
    weft::task_group workers;
    for (int i = 0; i < 2; ++i) (void)workers.spawn(consumer(jobs), weft::task_name{"consumer"});
    co_await workers.join();
}

weft::task<> show(const weft::runtime* rt) {
    weft::channel<int> jobs(16);
    auto p = weft::spawn(pool(&jobs), weft::task_name{"pool"});
    co_await jobs.send(10'000);      // one consumer sleeps 10 s, the other waits for a job
    co_await weft::sleep_for(20ms);  // let them get there
    weft::task_dump dump = weft::dump_tasks(*rt);
    fmt::print("{}", dump.to_text());
    p.cancel();  // the group's join is cancelled, and so are its children
    try {
        co_await p;
    } catch (const weft::cancelled_error&) {
    }
}

int main() {
    try {
        weft::runtime rt;
        rt.block_on(show(&rt));
    } catch (const weft::config_error& e) {  // a bad WEFT_* variable or $WEFT_CONFIG file
        fmt::print(stderr, "{}\n", e.what());
        return 2;
    }
}
