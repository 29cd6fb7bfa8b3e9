// latch and barrier: release once the count is reached (not before), reuse across phases,
// arrival indices, arrive_and_drop, and cancellation: a cancelled waiter leaves no trace
// (a barrier withdraws its arrival, so nobody is released early).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include <weft/barrier.hpp>
#include <weft/latch.hpp>
#include <weft/runtime.hpp>
#include <weft/timeout.hpp>
#include <weft/when_all.hpp>
#include <weft/yield.hpp>

#include "sync_test_support.hpp"

namespace {

using namespace std::chrono_literals;
using weft::test::workers;
using weft::test::yield_until;

weft::task<> latch_waiter(weft::latch* l, std::atomic<int>* waiting, std::atomic<int>* through) {
    waiting->fetch_add(1);
    co_await l->wait();
    through->fetch_add(1);
}

weft::task<bool> latch_releases_at_zero() {
    weft::latch l(3);
    std::atomic<int> waiting{0}, through{0};
    std::vector<weft::join_handle<>> hs;
    for (int i = 0; i < 10; ++i) hs.push_back(weft::spawn(latch_waiter(&l, &waiting, &through)));
    if (!co_await yield_until([&] { return waiting.load() == 10; })) co_return false;
    l.count_down(2);
    for (int k = 0; k < 50; ++k) co_await weft::yield_now();
    bool held = through.load() == 0 && !l.try_wait();
    co_await l.arrive_and_wait();  // the last count: nobody waits any more
    for (auto& h : hs) co_await h;
    co_await l.wait();  // stays open
    bool below_zero = false;
    try {
        l.count_down();
    } catch (const weft::error&) {
        below_zero = true;
    }
    co_return (held && through.load() == 10 && l.try_wait() && below_zero);
}

TEST(latch, waiters_are_released_when_the_count_reaches_zero_and_not_before) {
    for (std::uint32_t n : {1u, 2u}) {
        weft::runtime rt(workers(n));
        EXPECT_TRUE(rt.block_on(latch_releases_at_zero()));
    }
}

weft::task<> phases(weft::barrier* b, std::atomic<int>* step, std::atomic<int>* errors, std::atomic<int>* last,
                    int rounds) {
    for (int r = 0; r < rounds; ++r) {
        step->fetch_add(1);
        std::size_t idx = co_await b->arrive_and_wait();
        if (idx == b->parties() - 1) last->fetch_add(1);
        // Everyone of round r arrived before anyone got past the barrier.
        if (step->load() < (r + 1) * 4) errors->fetch_add(1);
        co_await weft::yield_now();
    }
}

weft::task<bool> barrier_phases() {
    weft::barrier b(4);
    std::atomic<int> step{0}, errors{0}, last{0};
    std::vector<weft::task<>> ts;
    for (int i = 0; i < 4; ++i) ts.push_back(phases(&b, &step, &errors, &last, 200));
    co_await weft::when_all(std::move(ts));
    co_return (errors.load() == 0 && last.load() == 200 && b.n_waiting() == 0);
}

TEST(barrier, every_phase_waits_for_all_parties_and_the_barrier_resets) {
    for (std::uint32_t n : {1u, 2u, 4u}) {
        weft::runtime rt(workers(n));
        EXPECT_TRUE(rt.block_on(barrier_phases()));
    }
}

weft::task<std::size_t> counted_arrive(weft::barrier* b, std::atomic<int>* waiting) {
    waiting->fetch_add(1);
    co_return co_await b->arrive_and_wait();
}

weft::task<bool> drop_a_party() {
    weft::barrier b(3);
    std::atomic<int> waiting{0};
    auto one = weft::spawn(counted_arrive(&b, &waiting));
    if (!co_await yield_until([&] { return waiting.load() == 1; })) co_return false;
    for (int k = 0; k < 10; ++k) co_await weft::yield_now();
    b.arrive_and_drop();                              // 2 of 3 arrived; 2 parties from now on
    std::size_t mine = co_await b.arrive_and_wait();  // completes the phase
    std::size_t theirs = co_await one;
    co_return (b.parties() == 2 && mine == 1 && theirs == 0);  // the dropper takes no index
}

TEST(barrier, arrive_and_drop_counts_for_this_phase_and_leaves) {
    weft::runtime rt(workers(2));
    EXPECT_TRUE(rt.block_on(drop_a_party()));
}

weft::task<std::size_t> arrive(weft::barrier* b) { co_return co_await b->arrive_and_wait(); }

weft::task<int> arrive_or_timeout(weft::barrier* b, std::atomic<int>* waiting) {
    waiting->fetch_add(1);
    try {
        co_await weft::timeout(1s, arrive(b));
    } catch (const weft::timeout_error&) {
        co_return -1;
    }
    co_return 1;
}

weft::task<> latch_wait(weft::latch* l) { co_await l->wait(); }

weft::task<int> latch_or_timeout(weft::latch* l, std::atomic<int>* waiting) {
    waiting->fetch_add(1);
    try {
        co_await weft::timeout(1s, latch_wait(l));
    } catch (const weft::timeout_error&) {
        co_return -1;
    }
    co_return 1;
}

TEST(barrier, a_cancelled_waiter_withdraws_its_arrival) {
    weft::runtime rt(weft::test::paused(2));
    weft::barrier b(2);
    weft::latch l(1);
    std::atomic<int> waiting{0};
    auto timed_out = rt.spawn(arrive_or_timeout(&b, &waiting));
    auto latch_timed_out = rt.spawn(latch_or_timeout(&l, &waiting));
    ASSERT_TRUE(weft::test::wait_until([&] { return waiting.load() == 2 && b.n_waiting() == 1; }));
    ASSERT_TRUE(
        weft::test::advance_until(rt, 1s, [&] { return timed_out.is_finished() && latch_timed_out.is_finished(); }));
    EXPECT_EQ(rt.block_on(weft::test::join(&timed_out)), -1);
    EXPECT_EQ(rt.block_on(weft::test::join(&latch_timed_out)), -1);
    EXPECT_EQ(b.n_waiting(), 0u);
    // One arrival alone does not complete the phase: it needs a second live party.
    waiting = 0;
    auto first = rt.spawn(arrive_or_timeout(&b, &waiting));
    ASSERT_TRUE(weft::test::wait_until([&] { return b.n_waiting() == 1; }));
    std::this_thread::sleep_for(20ms);
    EXPECT_FALSE(first.is_finished());
    auto second = rt.spawn(arrive(&b));
    EXPECT_EQ(rt.block_on(weft::test::join(&first)), 1);
    EXPECT_EQ(rt.block_on(weft::test::join(&second)), 1u);
}

}  // namespace
