// shared_mutex: readers share, writers exclude, FIFO fairness (a reader queues behind a
// waiting writer), a cancelled writer lets the readers behind it in, and readers/writers
// across workers never overlap.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include <weft/runtime.hpp>
#include <weft/shared_mutex.hpp>
#include <weft/timeout.hpp>
#include <weft/when_all.hpp>
#include <weft/yield.hpp>

#include "sync_test_support.hpp"

namespace {

using namespace std::chrono_literals;
using weft::test::workers;
using weft::test::yield_until;

weft::task<bool> basics() {
    weft::shared_mutex rw;
    auto r1 = co_await rw.scoped_lock_shared();
    auto r2 = co_await rw.scoped_lock_shared();  // readers share
    bool excluded = !rw.try_lock();
    r1.unlock();
    r2.unlock();
    auto w = co_await rw.scoped_lock();
    bool readers_excluded = !rw.try_lock_shared();
    w.unlock();
    bool free_again = rw.try_lock();
    rw.unlock();
    co_return (excluded && readers_excluded && free_again);
}

TEST(shared_mutex, readers_share_and_a_writer_excludes) {
    weft::runtime rt(workers(1));
    EXPECT_TRUE(rt.block_on(basics()));
}

weft::task<> take_write(weft::shared_mutex* rw, std::atomic<int>* waiting, std::vector<int>* order, int id) {
    waiting->fetch_add(1);
    auto g = co_await rw->scoped_lock();
    order->push_back(id);
}

weft::task<> take_read(weft::shared_mutex* rw, std::atomic<int>* waiting, std::vector<int>* order, int id) {
    waiting->fetch_add(1);
    auto g = co_await rw->scoped_lock_shared();
    order->push_back(id);
    co_await weft::yield_now();
}

weft::task<bool> fair_order() {
    weft::shared_mutex rw;
    std::atomic<int> waiting{0};
    std::vector<int> order;
    co_await rw.lock_shared();  // a reader holds it
    std::vector<weft::join_handle<>> hs;
    hs.push_back(weft::spawn(take_write(&rw, &waiting, &order, 1)));  // the writer waits
    if (!co_await yield_until([&] { return waiting.load() == 1; })) co_return false;
    for (int k = 0; k < 10; ++k) co_await weft::yield_now();
    bool reader_blocked = !rw.try_lock_shared();  // no barging past the waiting writer
    hs.push_back(weft::spawn(take_read(&rw, &waiting, &order, 2)));
    hs.push_back(weft::spawn(take_read(&rw, &waiting, &order, 3)));
    if (!co_await yield_until([&] { return waiting.load() == 3; })) co_return false;
    for (int k = 0; k < 10; ++k) co_await weft::yield_now();
    rw.unlock_shared();
    for (auto& h : hs) co_await h;
    co_return (reader_blocked && order.size() == 3 && order[0] == 1);
}

TEST(shared_mutex, a_reader_queues_behind_a_waiting_writer) {
    weft::runtime rt(workers(1));
    EXPECT_TRUE(rt.block_on(fair_order()));
}

weft::task<> lock_only(weft::shared_mutex* rw) { co_await rw->lock(); }

weft::task<int> write_or_timeout(weft::shared_mutex* rw, std::atomic<int>* waiting) {
    waiting->fetch_add(1);
    try {
        co_await weft::timeout(1s, lock_only(rw));
    } catch (const weft::timeout_error&) {
        co_return -1;
    }
    rw->unlock();
    co_return 1;
}

weft::task<> read_once(weft::shared_mutex* rw, std::atomic<int>* waiting, std::atomic<int>* read) {
    waiting->fetch_add(1);
    auto g = co_await rw->scoped_lock_shared();
    read->fetch_add(1);
}

TEST(shared_mutex, a_cancelled_writer_lets_the_readers_behind_it_in) {
    weft::runtime rt(weft::test::paused(2));
    weft::shared_mutex rw;
    ASSERT_TRUE(rw.try_lock_shared());  // a reader holds it
    std::atomic<int> waiting{0}, read{0};
    auto writer = rt.spawn(write_or_timeout(&rw, &waiting));
    ASSERT_TRUE(weft::test::wait_until([&] { return waiting.load() == 1; }));
    std::this_thread::sleep_for(20ms);
    auto reader = rt.spawn(read_once(&rw, &waiting, &read));  // queued behind the writer
    ASSERT_TRUE(weft::test::wait_until([&] { return waiting.load() == 2; }));
    std::this_thread::sleep_for(20ms);
    EXPECT_EQ(read.load(), 0);
    ASSERT_TRUE(weft::test::advance_until(rt, 1s, [&] { return writer.is_finished(); }));  // the writer gives up
    EXPECT_EQ(rt.block_on(weft::test::join(&writer)), -1);
    rt.block_on(weft::test::join(&reader));  // let in although the first reader still holds it
    EXPECT_EQ(read.load(), 1);
    rw.unlock_shared();
    EXPECT_TRUE(rw.try_lock());
    rw.unlock();
}

struct table {
    weft::shared_mutex rw;
    std::atomic<int> readers{0};
    std::atomic<int> writers{0};
    std::atomic<int> violations{0};
    long value = 0;
};

weft::task<> reader_loop(table* t, int rounds) {
    for (int i = 0; i < rounds; ++i) {
        auto g = co_await t->rw.scoped_lock_shared();
        t->readers.fetch_add(1);
        if (t->writers.load() != 0) t->violations.fetch_add(1);
        co_await weft::yield_now();
        t->readers.fetch_sub(1);
    }
}

weft::task<> writer_loop(table* t, int rounds) {
    for (int i = 0; i < rounds; ++i) {
        auto g = co_await t->rw.scoped_lock();
        if (t->writers.fetch_add(1) != 0 || t->readers.load() != 0) t->violations.fetch_add(1);
        long v = t->value;
        if (i % 4 == 0) co_await weft::yield_now();
        t->value = v + 1;
        t->writers.fetch_sub(1);
    }
}

weft::task<bool> readers_and_writers() {
    table t;
    std::vector<weft::task<>> ts;
    for (int i = 0; i < 6; ++i) ts.push_back(reader_loop(&t, 1'000));
    for (int i = 0; i < 3; ++i) ts.push_back(writer_loop(&t, 1'000));
    co_await weft::when_all(std::move(ts));
    co_return (t.violations.load() == 0 && t.value == 3'000);
}

TEST(shared_mutex, readers_and_writers_across_workers_never_overlap) {
    for (std::uint32_t n : {1u, 2u, 4u}) {
        weft::runtime rt(workers(n));
        EXPECT_TRUE(rt.block_on(readers_and_writers()));
    }
}

}  // namespace
