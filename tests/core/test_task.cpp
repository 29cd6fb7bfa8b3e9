// Task semantics: values, void, references, move-only results, exceptions, laziness,
// frames freed when never awaited, and long chains of synchronous completions.
#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>
#include <string>

#include <weft/runtime.hpp>
#include <weft/task.hpp>

namespace {

weft::runtime_config one_worker() {
    weft::runtime_config c;
    c.workers = 1;
    return c;
}

weft::task<int> value(int v) { co_return v; }
weft::task<> nothing() { co_return; }
weft::task<int&> ref_to(int* p) { co_return *p; }
weft::task<std::unique_ptr<std::string>> move_only(std::string s) {
    co_return std::make_unique<std::string>(std::move(s));
}
weft::task<int> throws(std::string what) {
    throw std::runtime_error(what);
    co_return 0;
}

struct counted {
    static inline int alive = 0;
    counted() { ++alive; }
    counted(const counted&) { ++alive; }
    ~counted() { --alive; }
};

weft::task<int> holds(counted c) {
    (void)c;
    co_return 1;
}

weft::task<int> add_values() {
    int a = co_await value(20);
    int b = co_await value(22);
    co_return a + b;
}

TEST(task, returns_values) {
    weft::runtime rt(one_worker());
    EXPECT_EQ(rt.block_on(add_values()), 42);
}

weft::task<int> use_void_and_ref(int* slot) {
    co_await nothing();
    int& r = co_await ref_to(slot);
    r = 99;
    co_return *slot;
}

TEST(task, void_and_reference_results) {
    weft::runtime rt(one_worker());
    int slot = 1;
    EXPECT_EQ(rt.block_on(use_void_and_ref(&slot)), 99);
    EXPECT_EQ(slot, 99);
    EXPECT_EQ(&rt.block_on(ref_to(&slot)), &slot);
}

TEST(task, move_only_results) {
    weft::runtime rt(one_worker());
    auto p = rt.block_on(move_only("hello"));
    ASSERT_TRUE(p);
    EXPECT_EQ(*p, "hello");
}

weft::task<std::string> catch_it() {
    try {
        co_await throws("boom");
    } catch (const std::runtime_error& e) {
        co_return std::string("caught ") + e.what();
    }
    co_return "not thrown";
}

TEST(task, exceptions_reach_the_awaiter) {
    weft::runtime rt(one_worker());
    EXPECT_EQ(rt.block_on(catch_it()), "caught boom");
    EXPECT_THROW(rt.block_on(throws("out")), std::runtime_error);
}

TEST(task, is_lazy_and_frees_unawaited_frames) {
    counted::alive = 0;
    {
        auto t = holds(counted{});
        EXPECT_EQ(counted::alive, 1);  // the parameter copy lives in the frame
        EXPECT_TRUE(t.valid());
    }
    EXPECT_EQ(counted::alive, 0);
}

TEST(task, move_assignment_frees_the_old_frame) {
    counted::alive = 0;
    auto t = holds(counted{});
    t = holds(counted{});
    EXPECT_EQ(counted::alive, 1);
    weft::task<int> empty;
    t = std::move(empty);
    EXPECT_EQ(counted::alive, 0);
    EXPECT_FALSE(t.valid());
}

weft::task<long> chain(int n) {
    long sum = 0;
    for (int i = 0; i < n; ++i) sum += co_await value(1);
    co_return sum;
}

// Symmetric transfer must keep the stack flat: two million synchronous completions in a row
// overflow the stack if any build type loses the tail call (see docs/architecture.md).
TEST(task, long_chains_of_immediate_completions_do_not_grow_the_stack) {
    weft::runtime rt(one_worker());
    EXPECT_EQ(rt.block_on(chain(2'000'000)), 2'000'000);
}

weft::task<int> recursive(int depth) {
    if (depth == 0) co_return 0;
    co_return 1 + co_await recursive(depth - 1);
}

TEST(task, nested_awaits) {
    weft::runtime rt(one_worker());
    EXPECT_EQ(rt.block_on(recursive(1000)), 1000);
}

// A task is awaited once: the first co_await consumes it (valid() is false afterwards and
// its frame is freed when the co_await ends); a second one is a clear weft::error, not a
// resumption of a finished coroutine.
weft::task<int> await_twice(bool* valid_after, int* alive_after, bool* threw) {
    auto t = holds(counted{});
    int v = co_await std::move(t);
    *valid_after = t.valid();
    *alive_after = counted::alive;  // the frame (and the parameter copy in it) is gone
    try {
        (void)co_await std::move(t);
    } catch (const weft::error& e) {
        *threw = std::string(e.what()).find("empty task") != std::string::npos;
    }
    co_return v;
}

TEST(task, awaiting_twice_is_a_weft_error) {
    weft::runtime rt(one_worker());
    counted::alive = 0;
    bool valid_after = true, threw = false;
    int alive_after = -1;
    EXPECT_EQ(rt.block_on(await_twice(&valid_after, &alive_after, &threw)), 1);
    EXPECT_FALSE(valid_after);
    EXPECT_EQ(alive_after, 0);
    EXPECT_TRUE(threw);
}

weft::task<bool> await_empty() {
    weft::task<int> empty;
    try {
        (void)co_await std::move(empty);
    } catch (const weft::error&) {
        co_return true;
    }
    co_return false;
}

TEST(task, awaiting_an_empty_task_is_a_weft_error) {
    weft::runtime rt(one_worker());
    EXPECT_TRUE(rt.block_on(await_empty()));
}

TEST(task, run_is_asyncio_run) {
    EXPECT_EQ(weft::run(add_values()), 42);
    EXPECT_THROW(weft::run(throws("x")), std::runtime_error);
}

}  // namespace
