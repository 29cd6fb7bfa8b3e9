// task_group.cpp — asyncio's TaskGroup, in weft:
//
//   async with asyncio.TaskGroup() as tg:
//       tasks = [tg.create_task(count_words(t)) for t in texts]
//   counts = [t.result() for t in tasks]
//
// weft::with_task_group runs the block and joins the group on every path (the block
// returns, throws or is cancelled), so the children may point at the caller's locals.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

#include <fmt/format.h>

#include <weft/weft.hpp>

using namespace std::chrono_literals;

// A child: its own state by parameter (copied into its frame), the caller's tally by pointer.
weft::task<int> count_words(std::string text, std::atomic<int>* total) {
    co_await weft::sleep_for(10ms);  // stands for I/O
    int n = static_cast<int>(std::count(text.begin(), text.end(), ' ')) + 1;
    total->fetch_add(n);
    co_return n;
}

weft::task<int> fails() {
    co_await weft::sleep_for(1ms);
    throw std::runtime_error("no such page");
}

weft::task<int> main_task() {
    std::vector<std::string> texts = {"a task group", "joins its children", "on every path"};
    std::atomic<int> total{0};  // the children point at it: they never outlive the call

    // The block is a lambda coroutine: with_task_group keeps it alive until it is done.
    std::vector<int> counts = co_await weft::with_task_group([&](weft::task_group& tg) -> weft::task<std::vector<int>> {
        std::vector<weft::group_handle<int>> handles;
        for (auto& t : texts) handles.push_back(tg.spawn(count_words(t, &total)));  // tg.create_task
        std::vector<int> out;
        for (auto& h : handles) out.push_back(co_await h);  // each child's result
        co_return out;
    });
    fmt::print("{} words in {} texts ({} counted)\n", counts[0] + counts[1] + counts[2], counts.size(), total.load());

    // A child fails: the others are cancelled, all are awaited, then task_group_error.
    try {
        co_await weft::with_task_group([&](weft::task_group& tg) -> weft::task<> {
            (void)tg.spawn(count_words("cancelled when its sibling fails", &total));
            (void)tg.spawn(fails());
            co_return;
        });
    } catch (const weft::task_group_error& e) {
        fmt::print("{} child failed: {}\n", e.exceptions().size(), e.what());
    }
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
