// core_only.cpp — a program of core alone: compiled with core's headers only and linked
// against libweft_core only (tests/meson.build). It runs CPU work on the default stack,
// which must be core's own (futex parkers), and exits non-zero if anything is off.
#include <cstdio>
#include <string>
#include <vector>

#include <weft/channel.hpp>
#include <weft/offload.hpp>
#include <weft/runtime.hpp>
#include <weft/task_group.hpp>
#include <weft/when_all.hpp>
#include <weft/yield.hpp>

namespace {

weft::task<long> fib(int n) {
    if (n < 2) co_return n;
    auto a = weft::spawn(fib(n - 1));
    long b = co_await fib(n - 2);
    co_return co_await a + b;
}

weft::task<void> produce(weft::channel<int>* ch, int n) {
    for (int i = 1; i <= n; ++i) co_await ch->send(i);
    ch->close();
}

weft::task<long> consume(weft::channel<int>* ch) {
    long sum = 0;
    while (auto v = co_await ch->recv()) sum += *v;
    co_return sum;
}

weft::task<int> main_task() {
    long f = co_await fib(20);
    weft::channel<int> ch(4);
    auto [_, sum] = co_await weft::when_all(produce(&ch, 1000), consume(&ch));
    weft::task_group g;
    std::vector<weft::group_handle<int>> hs;
    for (int i = 0; i < 8; ++i)
        hs.push_back(g.spawn([](int x) -> weft::task<int> {
            co_await weft::yield_now();
            co_return x* x;
        }(i)));
    co_await g.join();
    int squares = 0;
    for (auto& h : hs) squares += h.result();
    auto work = [] { return 6 * 7; };
    int offloaded = co_await weft::offload(work);
    if (f != 6765 || sum != 500500 || squares != 140 || offloaded != 42) {
        std::fprintf(stderr, "wrong results: fib %ld, sum %ld, squares %d, offload %d\n", f, sum, squares, offloaded);
        co_return 1;
    }
    co_return 0;
}

}  // namespace

int main() {
    weft::runtime rt(weft::runtime_config{.workers = 2});
    if (rt.stack_description() != "core") {
        std::fprintf(stderr, "expected the core stack, got '%s'\n", rt.stack_description().c_str());
        return 1;
    }
    int rc = rt.block_on(main_task());
    if (rc == 0) std::puts("core alone: ok");
    return rc;
}
