// semaphore: permits, try_acquire, guards, FIFO hand-off, cancellation while waiting (the
// permit is never swallowed), and many tasks across workers never exceeding the limit.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <vector>

#include <weft/runtime.hpp>
#include <weft/semaphore.hpp>
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
    weft::semaphore s(2);
    co_await s.acquire();
    bool second = s.try_acquire();
    bool third = s.try_acquire();
    s.release();
    {
        auto g = co_await s.scoped_acquire();
        if (!g.owns_permit() || s.available() != 0) co_return false;
    }
    bool back = s.available() == 1;
    s.release(1);
    co_return (second && !third && back && s.available() == 2);
}

TEST(semaphore, acquire_try_acquire_release_and_the_guard) {
    weft::runtime rt(workers(1));
    EXPECT_TRUE(rt.block_on(basics()));
}

weft::task<> take_in_turn(weft::semaphore* s, int id, std::vector<int>* order, std::atomic<int>* waiting) {
    waiting->fetch_add(1);
    co_await s->acquire();
    order->push_back(id);  // one at a time: the permit is held
    s->release();
}

weft::task<bool> fifo() {
    weft::semaphore s(0);
    std::vector<int> order;
    std::atomic<int> waiting{0};
    std::vector<weft::join_handle<>> hs;
    for (int i = 0; i < 20; ++i) {
        hs.push_back(weft::spawn(take_in_turn(&s, i, &order, &waiting)));
        // Each is queued before the next one starts: the queue order is the spawn order.
        if (!co_await yield_until([&] { return waiting.load() == i + 1; })) co_return false;
        for (int k = 0; k < 10; ++k) co_await weft::yield_now();
    }
    s.release();
    for (auto& h : hs) co_await h;
    for (int i = 0; i < 20; ++i)
        if (order[static_cast<std::size_t>(i)] != i) co_return false;
    co_return true;
}

TEST(semaphore, waiters_get_permits_in_fifo_order) {
    weft::runtime rt(workers(1));
    EXPECT_TRUE(rt.block_on(fifo()));
}

weft::task<> acquire_only(weft::semaphore* s) { co_await s->acquire(); }

weft::task<int> acquire_with_timeout(weft::semaphore* s, std::atomic<int>* waiting) {
    waiting->fetch_add(1);
    try {
        co_await weft::timeout(1s, acquire_only(s));
    } catch (const weft::timeout_error&) {
        co_return 0;
    }
    co_return 1;
}

TEST(semaphore, a_cancelled_waiter_leaves_no_trace_and_takes_no_permit) {
    weft::runtime rt(paused(2));
    weft::semaphore s(0);
    std::atomic<int> waiting{0};
    auto timed_out = rt.spawn(acquire_with_timeout(&s, &waiting));
    ASSERT_TRUE(wait_until([&] { return waiting.load() == 1; }));
    ASSERT_TRUE(weft::test::advance_until(rt, 1s, [&] { return timed_out.is_finished(); }));
    EXPECT_EQ(rt.block_on(weft::test::join(&timed_out)), 0);
    // The timed-out waiter is gone: a release is available, not given to a dead waiter.
    s.release();
    EXPECT_EQ(s.available(), 1u);
    EXPECT_TRUE(s.try_acquire());
}

weft::task<> limited_worker(weft::semaphore* s, std::atomic<int>* inside, std::atomic<int>* max_inside,
                            std::atomic<long>* done, int rounds) {
    for (int i = 0; i < rounds; ++i) {
        auto permit = co_await s->scoped_acquire();
        int now = inside->fetch_add(1) + 1;
        int prev = max_inside->load();
        while (now > prev && !max_inside->compare_exchange_weak(prev, now)) {
        }
        co_await weft::yield_now();
        inside->fetch_sub(1);
        done->fetch_add(1);
    }
}

weft::task<bool> many_across_workers() {
    weft::semaphore s(3);
    std::atomic<int> inside{0}, max_inside{0};
    std::atomic<long> done{0};
    std::vector<weft::task<>> ts;
    for (int i = 0; i < 16; ++i) ts.push_back(limited_worker(&s, &inside, &max_inside, &done, 500));
    co_await weft::when_all(std::move(ts));
    co_return (done.load() == 16 * 500 && max_inside.load() <= 3 && s.available() == 3);
}

TEST(semaphore, many_tasks_across_workers_never_exceed_the_permits) {
    for (std::uint32_t n : {1u, 2u, 4u}) {
        weft::runtime rt(workers(n));
        EXPECT_TRUE(rt.block_on(many_across_workers()));
    }
}

}  // namespace
