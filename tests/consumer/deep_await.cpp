// deep_await.cpp — built by scripts/check-consumers.sh the way a user builds (installed
// weft through pkg-config, or the meson dependency), at -O0 and under ASan: one million
// sequential co_awaits of a task that completes at once, and a 100,000-deep recursive
// await. Symmetric transfer must be a tail call in the *consumer's* frames too, so this
// overflows the stack unless the flags weft.pc and dependency('weft') carry reach the
// consumer's compiler.
#include <cstdio>

#include <weft/runtime.hpp>
#include <weft/task.hpp>

namespace {

weft::task<int> one() { co_return 1; }

weft::task<long> sequential(int n) {
    long sum = 0;
    for (int i = 0; i < n; ++i) sum += co_await one();
    co_return sum;
}

weft::task<long> recursive(int depth) {
    if (depth == 0) co_return 0;
    co_return 1 + co_await recursive(depth - 1);
}

weft::task<int> main_task() {
    long a = co_await sequential(1'000'000);
    long b = co_await recursive(100'000);
    if (a != 1'000'000 || b != 100'000) {
        std::fprintf(stderr, "deep_await: wrong results %ld %ld\n", a, b);
        co_return 1;
    }
    std::puts("deep_await: ok");
    co_return 0;
}

}  // namespace

int main() { return weft::run(main_task()); }
