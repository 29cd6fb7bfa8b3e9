// Paused time (timer_config::paused): timer logic tested deterministically, without
// real sleeps. Time moves only through advance_time(), so "exactly at the deadline" and
// "just before / just after the deadline" are exact checks here.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <random>
#include <thread>
#include <vector>

#include <weft/clock.hpp>
#include <weft/interval.hpp>
#include <weft/runtime.hpp>
#include <weft/sleep.hpp>
#include <weft/timeout.hpp>

#include "../core/test_support.hpp"

namespace {

using namespace std::chrono_literals;
using time_point = std::chrono::steady_clock::time_point;

weft::runtime_config paused(std::uint32_t n) {
    auto c = weft::test::workers(n);
    c.section<weft::timer_config>().paused = true;
    return c;
}

weft::task<time_point> sleep_then_now(time_point until) {
    co_await weft::sleep_until(until);
    co_return weft::now();
}

using weft::test::join;

// Gives the workers a moment to run whatever became runnable (real time, not paused time).
void settle() { std::this_thread::sleep_for(20ms); }

TEST(paused_time, a_sleep_fires_exactly_at_its_deadline_and_not_before) {
    weft::runtime rt(paused(2));
    const time_point t0 = weft::now(rt);
    auto h = rt.spawn(sleep_then_now(t0 + 10s));
    settle();
    EXPECT_EQ(weft::now(rt), t0);  // nothing moves by itself
    weft::advance_time(rt, 9999ms);
    settle();
    EXPECT_FALSE(h.is_finished());
    weft::advance_time(rt, 1ms);
    EXPECT_EQ(rt.block_on(join(&h)), t0 + 10s);
}

weft::task<int> value_at(time_point when, int v) {
    co_await weft::sleep_until(when);
    co_return v;
}

weft::task<int> timeout_race(time_point deadline, time_point finish) {
    try {
        co_return co_await weft::timeout_at(deadline, value_at(finish, 42));
    } catch (const weft::timeout_error&) {
        co_return -1;
    }
}

TEST(paused_time, timeout_just_before_and_just_after_the_deadline) {
    weft::runtime rt(paused(2));
    const time_point t0 = weft::now(rt);
    auto in_time = rt.spawn(timeout_race(t0 + 100ms, t0 + 99ms));
    auto too_late = rt.spawn(timeout_race(t0 + 100ms, t0 + 101ms));
    settle();
    weft::advance_time(rt, 99ms);
    EXPECT_EQ(rt.block_on(join(&in_time)), 42);
    settle();
    EXPECT_FALSE(too_late.is_finished());
    weft::advance_time(rt, 1ms);
    EXPECT_EQ(rt.block_on(join(&too_late)), -1);
}

// Ticks n times; `asked` counts the ticks asked for, so the test advances time only once
// the next tick is waiting.
weft::task<std::vector<time_point>> tick_times(int n, weft::missed_tick_policy p, std::atomic<int>* asked) {
    weft::interval iv(10ms, p);
    std::vector<time_point> at;
    for (int i = 0; i < n; ++i) {
        asked->fetch_add(1);
        co_await iv.tick();
        at.push_back(weft::now());
    }
    co_return at;
}

void wait_for_count(const std::atomic<int>& c, int n) {
    while (c.load() < n) std::this_thread::yield();
    settle();  // from "asked" to "armed" is a few instructions; give them ample time
}

TEST(paused_time, interval_ticks_on_schedule) {
    weft::runtime rt(paused(1));
    const time_point t0 = weft::now(rt);
    std::atomic<int> asked{0};
    auto h = rt.spawn(tick_times(4, weft::missed_tick_policy::skip, &asked));
    for (int i = 1; i < 4; ++i) {
        wait_for_count(asked, i + 1);  // tick i (due at t0 + 10i ms) is waiting
        weft::advance_time(rt, 10ms);
    }
    auto at = rt.block_on(join(&h));
    ASSERT_EQ(at.size(), 4u);
    for (int i = 0; i < 4; ++i) EXPECT_EQ(at[static_cast<std::size_t>(i)], t0 + i * 10ms);
}

TEST(paused_time, stepping_through_time_wakes_every_sleeper_not_before_its_deadline) {
    weft::runtime rt(paused(2));
    const time_point t0 = weft::now(rt);
    std::mt19937 rng(3);
    std::vector<weft::join_handle<time_point>> hs;
    std::vector<time_point> deadlines;
    for (int i = 0; i < 2000; ++i) {
        deadlines.push_back(t0 + std::chrono::milliseconds(1 + rng() % 5000));
        hs.push_back(rt.spawn(sleep_then_now(deadlines.back())));
    }
    settle();
    // Step through time a millisecond at a time: each sleeper wakes exactly at its deadline.
    for (int ms = 0; ms < 5001; ms += 1) weft::advance_time(rt, 1ms);
    for (std::size_t i = 0; i < hs.size(); ++i) {
        time_point woke = rt.block_on(join(&hs[i]));
        EXPECT_GE(woke, deadlines[i]);
    }
}

TEST(paused_time, advance_time_is_checked) {
    weft::runtime real(weft::test::workers(1));
    EXPECT_THROW(weft::advance_time(real, 1ms), weft::error);
    weft::runtime rt(paused(1));
    EXPECT_THROW(weft::advance_time(rt, -1ms), weft::error);
}

}  // namespace

namespace {

TEST(paused_time, deadlines_round_up_to_the_configured_tick) {
    auto cfg = paused(1);
    cfg.section<weft::timer_config>().tick_us = 100;
    weft::runtime rt(cfg);
    const time_point t0 = weft::now(rt);
    auto h = rt.spawn(sleep_then_now(t0 + 250us));  // between ticks 2 and 3
    settle();
    weft::advance_time(rt, 200us);
    settle();
    EXPECT_FALSE(h.is_finished());
    weft::advance_time(rt, 100us);
    EXPECT_EQ(rt.block_on(join(&h)), t0 + 300us);
}

}  // namespace
