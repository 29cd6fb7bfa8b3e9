// queue / priority_queue / lifo_queue: asyncio.Queue's interface (put/get, the nowait forms
// and their errors, maxsize, task_done/join, shutdown), each order, cancellation of waiting
// getters and putters, and a worker pool across workers with exactly-once processing.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include <weft/queue.hpp>
#include <weft/runtime.hpp>
#include <weft/task_group.hpp>
#include <weft/timeout.hpp>
#include <weft/yield.hpp>

#include "sync_test_support.hpp"

namespace {

using namespace std::chrono_literals;
using weft::test::workers;

weft::task<bool> interface() {
    weft::queue<int> q(2);
    bool ok = q.empty() && !q.full() && q.maxsize() == 2;
    co_await q.put(1);
    q.put_nowait(2);
    ok = ok && q.full() && q.qsize() == 2;
    bool full_thrown = false;
    try {
        q.put_nowait(3);
    } catch (const weft::queue_full_error&) {
        full_thrown = true;
    }
    int a = co_await q.get();
    int b = q.get_nowait();
    bool empty_thrown = false;
    try {
        q.get_nowait();
    } catch (const weft::queue_empty_error&) {
        empty_thrown = true;
    }
    weft::queue<int> unbounded;  // maxsize 0: never full
    for (int i = 0; i < 1000; ++i) unbounded.put_nowait(i);
    co_return (ok && full_thrown && empty_thrown && a == 1 && b == 2 && !unbounded.full() && unbounded.qsize() == 1000);
}

TEST(queue, asyncio_interface_put_get_nowait_errors_and_maxsize) {
    weft::runtime rt(workers(1));
    EXPECT_TRUE(rt.block_on(interface()));
}

TEST(queue, priority_queue_gives_the_smallest_first_and_lifo_queue_the_newest) {
    weft::priority_queue<int> pq;
    for (int v : {5, 1, 4, 2, 3}) pq.put_nowait(v);
    std::vector<int> out;
    while (!pq.empty()) out.push_back(pq.get_nowait());
    EXPECT_EQ(out, (std::vector<int>{1, 2, 3, 4, 5}));
    weft::priority_queue<int, std::greater<int>> maxq;
    for (int v : {5, 1, 4}) maxq.put_nowait(v);
    EXPECT_EQ(maxq.get_nowait(), 5);
    weft::lifo_queue<std::string> lq;
    for (const char* s : {"a", "b", "c"}) lq.put_nowait(s);
    EXPECT_EQ(lq.get_nowait(), "c");
    EXPECT_EQ(lq.get_nowait(), "b");
    EXPECT_EQ(lq.get_nowait(), "a");
}

weft::task<> put_one(weft::priority_queue<int>* q, int v, std::atomic<int>* waiting) {
    waiting->fetch_add(1);
    co_await q->put(v);
}

weft::task<bool> priority_with_waiting_putter() {
    // Full queue, a putter waits; a get makes room and the putter's item takes its place in
    // priority order.
    weft::priority_queue<int> q(2);
    q.put_nowait(5);
    q.put_nowait(3);
    std::atomic<int> waiting{0};
    auto putter = weft::spawn(put_one(&q, 1, &waiting));
    if (!co_await weft::test::yield_until([&] { return waiting.load() == 1; })) co_return false;
    for (int k = 0; k < 10; ++k) co_await weft::yield_now();
    int first = co_await q.get();   // 3
    co_await putter;                // 1 is in now
    int second = co_await q.get();  // 1
    int third = co_await q.get();   // 5
    co_return (first == 3 && second == 1 && third == 5);
}

TEST(queue, a_waiting_putter_enters_in_priority_order) {
    weft::runtime rt(workers(2));
    EXPECT_TRUE(rt.block_on(priority_with_waiting_putter()));
}

weft::task<> process(weft::queue<int>* q, std::vector<std::atomic<std::uint8_t>>* seen) {
    while (true) {
        int v = co_await q->get();
        if (v < 0) co_return;
        (*seen)[static_cast<std::size_t>(v)].fetch_add(1);
        q->task_done();
    }
}

weft::task<bool> worker_pool(std::vector<std::atomic<std::uint8_t>>* seen, int items) {
    weft::queue<int> q(8);
    weft::task_group pool;
    for (int i = 0; i < 4; ++i) (void)pool.spawn(process(&q, seen));
    for (int i = 0; i < items; ++i) co_await q.put(i);
    co_await q.join();  // every item processed (task_done for each)
    bool drained = q.empty();
    for (int i = 0; i < 4; ++i) co_await q.put(-1);
    co_await pool.join();
    co_return drained;
}

TEST(queue, a_worker_pool_processes_every_item_exactly_once_and_join_waits_for_task_done) {
    for (std::uint32_t n : {1u, 2u, 4u}) {
        weft::runtime rt(workers(n));
        std::vector<std::atomic<std::uint8_t>> seen(20'000);
        EXPECT_TRUE(rt.block_on(worker_pool(&seen, 20'000)));
        for (auto& s : seen) ASSERT_EQ(s.load(), 1);
    }
}

weft::task<bool> task_done_and_shutdown() {
    weft::queue<int> q;
    co_await q.join();  // nothing unfinished
    q.put_nowait(1);
    q.get_nowait();
    q.task_done();
    bool too_many = false;
    try {
        q.task_done();
    } catch (const weft::error&) {
        too_many = true;
    }
    q.put_nowait(2);
    q.shutdown();
    bool put_fails = false;
    try {
        co_await q.put(3);
    } catch (const weft::queue_shut_down_error&) {
        put_fails = true;
    }
    int left = co_await q.get();  // drains what is left
    bool get_fails = false;
    try {
        co_await q.get();
    } catch (const weft::queue_shut_down_error&) {
        get_fails = true;
    }
    co_return (too_many && put_fails && get_fails && left == 2 && q.is_shut_down());
}

TEST(queue, task_done_too_often_throws_and_shutdown_drains_then_fails) {
    weft::runtime rt(workers(1));
    EXPECT_TRUE(rt.block_on(task_done_and_shutdown()));
}

weft::task<int> get_int(weft::queue<int>* q) { co_return co_await q->get(); }

weft::task<int> get_or_timeout(weft::queue<int>* q, std::atomic<int>* waiting) {
    waiting->fetch_add(1);
    try {
        co_return co_await weft::timeout(1s, get_int(q));
    } catch (const weft::timeout_error&) {
        co_return -1;
    }
}

TEST(queue, a_cancelled_getter_takes_no_item) {
    weft::runtime rt(weft::test::paused(2));
    weft::queue<int> q;
    std::atomic<int> waiting{0};
    auto h = rt.spawn(get_or_timeout(&q, &waiting));
    ASSERT_TRUE(weft::test::wait_until([&] { return waiting.load() == 1; }));
    ASSERT_TRUE(weft::test::advance_until(rt, 1s, [&] { return h.is_finished(); }));
    EXPECT_EQ(rt.block_on(weft::test::join(&h)), -1);
    q.put_nowait(9);
    EXPECT_EQ(q.qsize(), 1u);
    EXPECT_EQ(q.get_nowait(), 9);
}

}  // namespace

namespace {

weft::task<> put_int(weft::queue<int>* q, int v) { co_await q->put(v); }

weft::task<int> put_or_timeout(weft::queue<int>* q, int v, std::atomic<int>* waiting) {
    waiting->fetch_add(1);
    try {
        co_await weft::timeout(1s, put_int(q, v));
    } catch (const weft::timeout_error&) {
        co_return -1;
    }
    co_return v;
}

TEST(queue, a_cancelled_putter_queues_nothing) {
    weft::runtime rt(weft::test::paused(2));
    weft::queue<int> q(1);
    q.put_nowait(1);
    std::atomic<int> waiting{0};
    auto h = rt.spawn(put_or_timeout(&q, 2, &waiting));
    ASSERT_TRUE(weft::test::wait_until([&] { return waiting.load() == 1; }));
    ASSERT_TRUE(weft::test::advance_until(rt, 1s, [&] { return h.is_finished(); }));
    EXPECT_EQ(rt.block_on(weft::test::join(&h)), -1);
    EXPECT_EQ(q.get_nowait(), 1);
    EXPECT_TRUE(q.empty());  // the cancelled put did not slip in when room was made
}

weft::task<> get_into(weft::queue<int>* q, int id, std::vector<int>* got, std::atomic<int>* waiting) {
    waiting->fetch_add(1);
    (*got)[static_cast<std::size_t>(id)] = co_await q->get();
}

weft::task<bool> getters_fifo() {
    weft::queue<int> q;
    std::vector<int> got(8, -1);
    std::atomic<int> waiting{0};
    std::vector<weft::join_handle<>> hs;
    for (int i = 0; i < 8; ++i) {
        hs.push_back(weft::spawn(get_into(&q, i, &got, &waiting)));
        if (!co_await weft::test::yield_until([&] { return waiting.load() == i + 1; })) co_return false;
        for (int k = 0; k < 10; ++k) co_await weft::yield_now();
    }
    for (int i = 0; i < 8; ++i) q.put_nowait(100 + i);
    for (auto& h : hs) co_await h;
    for (int i = 0; i < 8; ++i)
        if (got[static_cast<std::size_t>(i)] != 100 + i) co_return false;
    co_return true;
}

TEST(queue, waiting_getters_are_served_in_fifo_order) {
    weft::runtime rt(workers(1));
    EXPECT_TRUE(rt.block_on(getters_fifo()));
}

}  // namespace
