// hello.cpp — the smallest weft program: asyncio.run, a coroutine, a spawned task.
#include <fmt/format.h>

#include <weft/weft.hpp>

weft::task<int> add(int a, int b) { co_return a + b; }

weft::task<int> main_task() {
    auto handle = weft::spawn(add(20, 22));  // asyncio.create_task
    int answer = co_await handle;            // await task
    fmt::print("the answer is {}\n", answer);
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
