// when_all / when_any: results in argument order, concurrency, exceptions after all
// finished, void and range forms, losers cancelled and awaited.
#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <string>
#include <vector>

#include <weft/channel.hpp>
#include <weft/runtime.hpp>
#include <weft/when_all.hpp>
#include <weft/when_any.hpp>
#include <weft/yield.hpp>

#include "test_support.hpp"

namespace {

using weft::test::workers;

weft::task<int> after_yields(int v, int yields) {
    for (int i = 0; i < yields; ++i) co_await weft::yield_now();
    co_return v;
}
weft::task<> void_task(std::atomic<int>* c) {
    c->fetch_add(1);
    co_return;
}
weft::task<std::string> text(std::string s) { co_return s; }
weft::task<int> fail_after(int yields, std::string what) {
    for (int i = 0; i < yields; ++i) co_await weft::yield_now();
    throw std::runtime_error(what);
    co_return 0;
}

weft::task<bool> tuple_form() {
    std::atomic<int> c{0};
    auto [a, b, v, s] = co_await weft::when_all(after_yields(1, 50), after_yields(2, 0), void_task(&c), text("x"));
    co_return a == 1 && b == 2 && c.load() == 1 && s == "x" && std::is_same_v<decltype(v), std::monostate>;
}

weft::task<bool> range_form() {
    std::vector<weft::task<int>> ts;
    for (int i = 0; i < 100; ++i) ts.push_back(after_yields(i, (i * 7) % 13));
    auto out = co_await weft::when_all(std::move(ts));
    for (int i = 0; i < 100; ++i)
        if (out[static_cast<std::size_t>(i)] != i) co_return false;
    std::vector<weft::task<int>> none;
    auto empty = co_await weft::when_all(std::move(none));
    co_return out.size() == 100 && empty.empty();
}

TEST(when_all, returns_results_in_argument_order) {
    for (std::uint32_t n : {1u, 2u}) {
        weft::runtime rt(workers(n));
        EXPECT_TRUE(rt.block_on(tuple_form()));
        EXPECT_TRUE(rt.block_on(range_form()));
    }
}

// Both children wait on the other: only concurrent execution can finish this.
weft::task<int> handshake(weft::channel<int>* mine, weft::channel<int>* theirs, int v) {
    co_await theirs->send(v);
    auto got = co_await mine->recv();
    co_return *got;
}

weft::task<bool> concurrent() {
    weft::channel<int> a(1), b(1);
    auto [x, y] = co_await weft::when_all(handshake(&a, &b, 1), handshake(&b, &a, 2));
    co_return x == 2 && y == 1;
}

TEST(when_all, runs_children_concurrently) {
    for (std::uint32_t n : {1u, 2u}) {
        weft::runtime rt(workers(n));
        EXPECT_TRUE(rt.block_on(concurrent()));
    }
}

weft::task<int> slow_counter(std::atomic<int>* finished, int yields) {
    for (int i = 0; i < yields; ++i) co_await weft::yield_now();
    finished->fetch_add(1);
    co_return 0;
}

weft::task<std::string> first_failure_after_all_finished(std::atomic<int>* finished) {
    try {
        co_await weft::when_all(slow_counter(finished, 300), fail_after(50, "second"), fail_after(0, "third"),
                                slow_counter(finished, 100));
    } catch (const std::runtime_error& e) {
        co_return e.what();
    }
    co_return "none";
}

TEST(when_all, rethrows_the_first_failure_after_all_have_finished) {
    for (std::uint32_t n : {1u, 2u}) {
        weft::runtime rt(workers(n));
        std::atomic<int> finished{0};
        EXPECT_EQ(rt.block_on(first_failure_after_all_finished(&finished)), "second");
        EXPECT_EQ(finished.load(), 2);
    }
}

weft::task<int> until_cancelled(std::atomic<int>* cancelled) {
    try {
        for (int i = 0; i < 10'000'000; ++i) co_await weft::yield_now();
    } catch (const weft::cancelled_error&) {
        cancelled->fetch_add(1);
        throw;
    }
    co_return -1;
}

weft::task<bool> any_tuple(std::atomic<int>* cancelled) {
    auto r = co_await weft::when_any(until_cancelled(cancelled), after_yields(42, 10), until_cancelled(cancelled));
    co_return r.index() == 1 && std::get<1>(r) == 42;
}

TEST(when_any, first_wins_and_losers_are_cancelled_and_awaited) {
    for (std::uint32_t n : {1u, 2u}) {
        weft::runtime rt(workers(n));
        std::atomic<int> cancelled{0};
        EXPECT_TRUE(rt.block_on(any_tuple(&cancelled)));
        EXPECT_EQ(cancelled.load(), 2);  // both losers finished before when_any returned
    }
}

weft::task<bool> any_range_and_errors(std::atomic<int>* cancelled) {
    std::vector<weft::task<int>> ts;
    ts.push_back(until_cancelled(cancelled));
    ts.push_back(after_yields(7, 5));
    auto [i, v] = co_await weft::when_any(std::move(ts));
    bool ok = i == 1 && v == 7;
    try {
        co_await weft::when_any(fail_after(3, "lost"), until_cancelled(cancelled));
        ok = false;
    } catch (const std::runtime_error& e) {
        ok = ok && std::string(e.what()) == "lost";
    }
    co_return ok;
}

TEST(when_any, range_form_and_exceptions) {
    for (std::uint32_t n : {1u, 2u}) {
        weft::runtime rt(workers(n));
        std::atomic<int> cancelled{0};
        EXPECT_TRUE(rt.block_on(any_range_and_errors(&cancelled)));
        EXPECT_EQ(cancelled.load(), 2);
    }
}

weft::task<> empty_any() {
    std::vector<weft::task<int>> none;
    co_await weft::when_any(std::move(none));
}

TEST(when_any, of_nothing_is_an_error) {
    weft::runtime rt(workers(1));
    EXPECT_THROW(rt.block_on(empty_any()), weft::error);
}

}  // namespace
