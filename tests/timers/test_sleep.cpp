// sleep_for / sleep_until on the workers' timer wheels: never early, in deadline order, a
// parked worker wakes for its timers, cancellation wakes a sleeper at once (also from
// another thread), sleep(0) yields, shutdown destroys sleepers. Real-clock tests only check
// order and "not before the deadline"; the upper bounds are loose sanity limits.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include <weft/runtime.hpp>
#include <weft/sleep.hpp>
#include <weft/when_all.hpp>
#include <weft/yield.hpp>

#include "../core/test_support.hpp"

namespace {

using namespace std::chrono_literals;
using weft::test::workers;
using clock_type = std::chrono::steady_clock;

weft::task<clock_type::duration> timed_sleep(clock_type::duration d) {
    auto t0 = clock_type::now();
    co_await weft::sleep_for(d);
    co_return clock_type::now() - t0;
}

TEST(sleep, is_never_early_and_a_parked_worker_wakes_for_it) {
    for (std::uint32_t n : {1u, 2u}) {
        weft::runtime rt(workers(n));
        for (auto d : {1ms, 5ms, 30ms}) {
            auto took = rt.block_on(timed_sleep(d));  // nothing else runs: the worker parks
            EXPECT_GE(took, d);
            EXPECT_LT(took, d + 5s);
        }
    }
}

weft::task<> sleeper(std::chrono::milliseconds d, int id, std::mutex* mu, std::vector<int>* order) {
    co_await weft::sleep_for(d);
    std::lock_guard lock(*mu);
    order->push_back(id);
}

weft::task<> sleep_in_order(std::mutex* mu, std::vector<int>* order) {
    std::vector<weft::join_handle<>> hs;
    hs.push_back(weft::spawn(sleeper(60ms, 3, mu, order)));
    hs.push_back(weft::spawn(sleeper(20ms, 1, mu, order)));
    hs.push_back(weft::spawn(sleeper(40ms, 2, mu, order)));
    for (auto& h : hs) co_await h;
}

TEST(sleep, sleepers_wake_in_deadline_order) {
    weft::runtime rt(workers(1));
    std::mutex mu;
    std::vector<int> order;
    rt.block_on(sleep_in_order(&mu, &order));
    EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
}

weft::task<clock_type::duration> gather_sleeps() {
    auto t0 = clock_type::now();
    co_await weft::when_all(timed_sleep(50ms), timed_sleep(100ms), timed_sleep(150ms));
    co_return clock_type::now() - t0;
}

TEST(sleep, gather_waits_for_the_longest) {
    weft::runtime rt(workers(2));
    auto took = rt.block_on(gather_sleeps());
    EXPECT_GE(took, 150ms);
    EXPECT_LT(took, 300ms + 5s);  // sanity only: the sum would be 300 ms
}

weft::task<> sleep_until_task(clock_type::time_point deadline, clock_type::time_point* woke) {
    co_await weft::sleep_until(deadline);
    *woke = clock_type::now();
}

TEST(sleep, sleep_until_a_deadline) {
    weft::runtime rt(workers(2));
    auto deadline = clock_type::now() + 25ms;
    clock_type::time_point woke;
    rt.block_on(sleep_until_task(deadline, &woke));
    EXPECT_GE(woke, deadline);
    clock_type::time_point past_woke;
    rt.block_on(sleep_until_task(clock_type::now() - 1s, &past_woke));  // a past deadline: no wait
}

weft::task<bool> long_sleep(std::atomic<bool>* sleeping) {
    sleeping->store(true);
    try {
        co_await weft::sleep_for(60s);
    } catch (const weft::cancelled_error&) {
        co_return true;
    }
    co_return false;
}

weft::task<clock_type::duration> cancel_a_sleeper() {
    std::atomic<bool> sleeping{false};
    auto h = weft::spawn(long_sleep(&sleeping));
    while (!sleeping.load()) co_await weft::yield_now();
    co_await weft::sleep_for(5ms);  // make sure it is in its sleep
    auto t0 = clock_type::now();
    h.cancel();
    bool cancelled = co_await h;
    EXPECT_TRUE(cancelled);
    co_return clock_type::now() - t0;
}

TEST(sleep, cancellation_wakes_a_sleeper_at_once) {
    for (std::uint32_t n : {1u, 2u}) {
        weft::runtime rt(workers(n));
        EXPECT_LT(rt.block_on(cancel_a_sleeper()), 30s);  // not the 60 s of the sleep
    }
}

TEST(sleep, cancellation_from_a_foreign_thread) {
    weft::runtime rt(workers(2));
    for (int round = 0; round < 200; ++round) {
        std::atomic<bool> sleeping{false};
        auto h = rt.spawn(long_sleep(&sleeping));
        std::thread canceller([&] {
            while (!sleeping.load()) std::this_thread::yield();
            if (round % 2) std::this_thread::sleep_for(std::chrono::microseconds(round * 5));
            h.cancel();
        });
        canceller.join();
        ASSERT_TRUE(rt.block_on(weft::test::join(&h))) << round;
    }
}

weft::task<int> zero_sleeps(int n) {
    for (int i = 0; i < n; ++i) co_await weft::sleep_for(0ms);
    co_return n;
}

TEST(sleep, zero_duration_yields) {
    weft::runtime rt(workers(1));
    EXPECT_EQ(rt.block_on(zero_sleeps(1000)), 1000);
}

weft::task<> random_sleeper(int ms, std::atomic<int>* done) {
    co_await weft::sleep_for(std::chrono::milliseconds(ms));
    done->fetch_add(1);
}

weft::task<> many_sleepers(int n, std::atomic<int>* done) {
    std::mt19937 rng(5);
    std::vector<weft::join_handle<>> hs;
    for (int i = 0; i < n; ++i) hs.push_back(weft::spawn(random_sleeper(static_cast<int>(rng() % 50), done)));
    for (auto& h : hs) co_await h;
}

TEST(sleep, ten_thousand_sleepers_on_two_workers) {
    weft::runtime rt(workers(2));
    std::atomic<int> done{0};
    rt.block_on(many_sleepers(10'000, &done));
    EXPECT_EQ(done.load(), 10'000);
}

struct guard {
    std::atomic<int>* alive;
    explicit guard(std::atomic<int>* a) : alive(a) { alive->fetch_add(1); }
    guard(const guard&) = delete;
    ~guard() { alive->fetch_sub(1); }
};

weft::task<> sleep_for_an_hour(std::atomic<int>* alive, std::atomic<int>* started) {
    guard g(alive);
    started->fetch_add(1);
    co_await weft::sleep_for(1h);
}

weft::task<> start_hour_sleepers(std::atomic<int>* alive, std::atomic<int>* started) {
    for (int i = 0; i < 100; ++i) weft::spawn(sleep_for_an_hour(alive, started)).detach();
    while (started->load() < 100) co_await weft::yield_now();
}

TEST(sleep, shutdown_destroys_sleepers) {
    std::atomic<int> alive{0}, started{0};
    {
        weft::runtime rt(workers(2));
        rt.block_on(start_hour_sleepers(&alive, &started));
        EXPECT_EQ(alive.load(), 100);
    }
    EXPECT_EQ(alive.load(), 0);
}

}  // namespace
