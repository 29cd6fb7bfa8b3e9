// mutex: lock/unlock/try_lock, the guard, FIFO hand-off, cancellation while waiting (the lock
// is never lost), and exclusion across workers with suspensions inside the critical section.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <vector>

#include <weft/mutex.hpp>
#include <weft/runtime.hpp>
#include <weft/timeout.hpp>
#include <weft/when_all.hpp>
#include <weft/yield.hpp>

#include "sync_test_support.hpp"

namespace {

using namespace std::chrono_literals;
using weft::test::paused;
using weft::test::wait_until;
using weft::test::workers;
using weft::test::yield_until;

weft::task<bool> basics() {
    weft::mutex m;
    co_await m.lock();
    bool locked = m.is_locked() && !m.try_lock();
    m.unlock();
    bool relocked = m.try_lock();
    m.unlock();
    {
        auto g = co_await m.scoped_lock();
        if (!g.owns_lock() || !m.is_locked()) co_return false;
        g.unlock();
        if (m.is_locked()) co_return false;
    }
    co_return (locked && relocked && !m.is_locked());
}

TEST(mutex, lock_unlock_try_lock_and_the_guard) {
    weft::runtime rt(workers(1));
    EXPECT_TRUE(rt.block_on(basics()));
}

weft::task<> queue_up(weft::mutex* m, int id, std::vector<int>* order, std::atomic<int>* waiting) {
    waiting->fetch_add(1);
    auto g = co_await m->scoped_lock();
    order->push_back(id);
}

weft::task<bool> fifo() {
    weft::mutex m;
    std::vector<int> order;
    std::atomic<int> waiting{0};
    auto held = co_await m.scoped_lock();
    std::vector<weft::join_handle<>> hs;
    for (int i = 0; i < 20; ++i) {
        hs.push_back(weft::spawn(queue_up(&m, i, &order, &waiting)));
        if (!co_await yield_until([&] { return waiting.load() == i + 1; })) co_return false;
        for (int k = 0; k < 10; ++k) co_await weft::yield_now();
    }
    // A latecomer that tries now does not barge past the queue.
    held.unlock();
    bool barged = m.try_lock();
    for (auto& h : hs) co_await h;
    for (int i = 0; i < 20; ++i)
        if (order[static_cast<std::size_t>(i)] != i) co_return false;
    co_return !barged;
}

TEST(mutex, waiters_get_the_lock_in_fifo_order_without_barging) {
    weft::runtime rt(workers(1));
    EXPECT_TRUE(rt.block_on(fifo()));
}

weft::task<> lock_briefly(weft::mutex* m) { auto g = co_await m->scoped_lock(); }

weft::task<int> lock_with_timeout(weft::mutex* m, std::atomic<int>* waiting) {
    waiting->fetch_add(1);
    try {
        co_await weft::timeout(1s, lock_briefly(m));
    } catch (const weft::timeout_error&) {
        co_return 0;
    }
    co_return 1;
}

TEST(mutex, a_cancelled_waiter_leaves_no_trace_and_the_lock_is_not_lost) {
    weft::runtime rt(paused(2));
    weft::mutex m;
    ASSERT_TRUE(m.try_lock());
    std::atomic<int> waiting{0};
    auto a = rt.spawn(lock_with_timeout(&m, &waiting));
    auto b = rt.spawn(lock_with_timeout(&m, &waiting));
    ASSERT_TRUE(wait_until([&] { return waiting.load() == 2; }));
    ASSERT_TRUE(weft::test::advance_until(rt, 1s, [&] { return a.is_finished() && b.is_finished(); }));
    EXPECT_EQ(rt.block_on(weft::test::join(&a)), 0);
    EXPECT_EQ(rt.block_on(weft::test::join(&b)), 0);
    m.unlock();  // no waiter left: the mutex is simply free
    EXPECT_FALSE(m.is_locked());
    EXPECT_TRUE(m.try_lock());
    m.unlock();
}

weft::task<> increment(weft::mutex* m, long* counter, int rounds) {
    for (int i = 0; i < rounds; ++i) {
        auto g = co_await m->scoped_lock();
        long v = *counter;
        if (i % 8 == 0) co_await weft::yield_now();  // suspended while holding the lock
        *counter = v + 1;
    }
}

weft::task<long> contended(int tasks, int rounds) {
    weft::mutex m;
    long counter = 0;
    std::vector<weft::task<>> ts;
    for (int i = 0; i < tasks; ++i) ts.push_back(increment(&m, &counter, rounds));
    co_await weft::when_all(std::move(ts));
    co_return counter;
}

TEST(mutex, excludes_across_workers_even_across_suspensions) {
    for (std::uint32_t n : {1u, 2u, 4u}) {
        weft::runtime rt(workers(n));
        EXPECT_EQ(rt.block_on(contended(8, 2'000)), 16'000);
    }
}

}  // namespace
