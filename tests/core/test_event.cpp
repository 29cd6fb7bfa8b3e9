// event: wait/set/clear, set wakes every waiter across workers, cancellation of a waiter
// leaves no trace.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include <weft/event.hpp>
#include <weft/runtime.hpp>
#include <weft/timeout.hpp>
#include <weft/yield.hpp>

#include "sync_test_support.hpp"

namespace {

using weft::test::workers;

weft::task<> waiter(weft::event* ev, std::atomic<int>* waiting, std::atomic<int>* woke) {
    waiting->fetch_add(1);
    co_await ev->wait();
    woke->fetch_add(1);
}

weft::task<int> set_wakes_all(int n) {
    weft::event ev;
    std::atomic<int> waiting{0}, woke{0};
    std::vector<weft::join_handle<>> hs;
    for (int i = 0; i < n; ++i) hs.push_back(weft::spawn(waiter(&ev, &waiting, &woke)));
    while (waiting.load() < n) co_await weft::yield_now();
    for (int i = 0; i < 100; ++i) co_await weft::yield_now();
    int before = woke.load();
    ev.set();
    for (auto& h : hs) co_await h;
    co_return before == 0 ? woke.load() : -1;
}

TEST(event, set_wakes_every_waiter) {
    for (std::uint32_t n : {1u, 2u, 4u}) {
        weft::runtime rt(workers(n));
        EXPECT_EQ(rt.block_on(set_wakes_all(10'000)), 10'000);
    }
}

weft::task<bool> set_clear_and_ready() {
    weft::event ev;
    bool initially = ev.is_set();
    ev.set();
    co_await ev.wait();  // already set: no suspension
    ev.clear();
    co_return !initially && !ev.is_set();
}

TEST(event, set_clear_and_an_already_set_event) {
    weft::runtime rt(workers(1));
    EXPECT_TRUE(rt.block_on(set_clear_and_ready()));
}

weft::task<bool> wait_cancellable(weft::event* ev, std::atomic<int>* waiting) {
    waiting->fetch_add(1);
    try {
        co_await ev->wait();
    } catch (const weft::cancelled_error&) {
        co_return true;
    }
    co_return false;
}

weft::task<bool> cancel_one_waiter() {
    weft::event ev;
    std::atomic<int> waiting{0}, woke{0};
    auto victim = weft::spawn(wait_cancellable(&ev, &waiting));
    auto other = weft::spawn(waiter(&ev, &waiting, &woke));
    while (waiting.load() < 2) co_await weft::yield_now();
    for (int i = 0; i < 100; ++i) co_await weft::yield_now();
    victim.cancel();
    bool cancelled = co_await victim;
    ev.set();  // the cancelled waiter is no longer listed; the other one wakes
    co_await other;
    co_return (cancelled && woke.load() == 1);
}

TEST(event, a_cancelled_waiter_leaves_no_trace) {
    for (std::uint32_t n : {1u, 2u}) {
        weft::runtime rt(workers(n));
        EXPECT_TRUE(rt.block_on(cancel_one_waiter()));
    }
}

}  // namespace

namespace {

weft::task<> wait_on(weft::event* ev) { co_await ev->wait(); }

weft::task<int> wait_or_timeout(weft::event* ev, std::atomic<int>* waiting) {
    waiting->fetch_add(1);
    try {
        co_await weft::timeout(std::chrono::seconds(1), wait_on(ev));
    } catch (const weft::timeout_error&) {
        co_return -1;
    }
    co_return 1;
}

TEST(event, a_wait_cancelled_by_a_timeout_leaves_no_trace) {
    weft::runtime rt(weft::test::paused(2));
    weft::event ev;
    std::atomic<int> waiting{0};
    auto timed_out = rt.spawn(wait_or_timeout(&ev, &waiting));
    auto stays = rt.spawn(wait_or_timeout(&ev, &waiting));
    ASSERT_TRUE(weft::test::wait_until([&] { return waiting.load() == 2; }));
    ASSERT_TRUE(weft::test::advance_until(rt, std::chrono::seconds(1),
                                          [&] { return timed_out.is_finished() && stays.is_finished(); }));
    EXPECT_EQ(rt.block_on(weft::test::join(&timed_out)), -1);
    EXPECT_EQ(rt.block_on(weft::test::join(&stays)), -1);
    auto later = rt.spawn(wait_or_timeout(&ev, &waiting));
    ASSERT_TRUE(weft::test::wait_until([&] { return waiting.load() == 3; }));
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    ev.set();  // only the live waiter is woken; the cancelled ones are gone from the list
    EXPECT_EQ(rt.block_on(weft::test::join(&later)), 1);
}

}  // namespace
