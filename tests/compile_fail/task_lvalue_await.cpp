// Must not compile: a task is awaited once, and `co_await t` on an lvalue says so with a
// readable message. With -DWEFT_COMPILE_FAIL_CONTROL the fixed line compiles (so the check
// proves that this line, and nothing else, is what fails).
#include <weft/task.hpp>

weft::task<int> answer() { co_return 42; }

weft::task<int> caller() {
    auto t = answer();
#ifdef WEFT_COMPILE_FAIL_CONTROL
    co_return co_await std::move(t);
#else
    co_return co_await t;
#endif
}
