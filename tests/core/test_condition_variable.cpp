// condition_variable: wait releases and re-takes the mutex, notify_one wakes in FIFO order,
// notify_all wakes everyone, a cancelled waiter comes back holding the lock and leaves no
// trace, and a producer/consumer hand-off across workers delivers every item exactly once.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <deque>
#include <thread>
#include <vector>

#include <weft/condition_variable.hpp>
#include <weft/mutex.hpp>
#include <weft/runtime.hpp>
#include <weft/timeout.hpp>
#include <weft/when_all.hpp>
#include <weft/yield.hpp>

#include "sync_test_support.hpp"

namespace {

using namespace std::chrono_literals;
using weft::test::workers;
using weft::test::yield_until;

struct shared {
    weft::mutex m;
    weft::condition_variable cv;
    std::vector<int> woken;
    bool go = false;
    std::atomic<int> waiting{0};
};

weft::task<> wait_once(shared* s, int id) {
    auto g = co_await s->m.scoped_lock();
    s->waiting.fetch_add(1);
    co_await s->cv.wait(s->m);
    if (!s->m.is_locked()) throw std::logic_error("woke without the lock");
    s->woken.push_back(id);  // under the lock
}

weft::task<bool> notify_one_is_fifo() {
    shared s;
    std::vector<weft::join_handle<>> hs;
    for (int i = 0; i < 5; ++i) {
        hs.push_back(weft::spawn(wait_once(&s, i)));
        if (!co_await yield_until([&] { return s.waiting.load() == i + 1; })) co_return false;
        for (int k = 0; k < 10; ++k) co_await weft::yield_now();
    }
    for (int i = 0; i < 5; ++i) {
        {
            auto g = co_await s.m.scoped_lock();
            s.cv.notify_one();
        }
        if (!co_await yield_until([&] { return s.woken.size() == static_cast<std::size_t>(i + 1); })) co_return false;
    }
    for (auto& h : hs) co_await h;
    co_return s.woken == (std::vector<int>{0, 1, 2, 3, 4});
}

TEST(condition_variable, notify_one_wakes_the_longest_waiter_holding_the_lock) {
    weft::runtime rt(workers(1));
    EXPECT_TRUE(rt.block_on(notify_one_is_fifo()));
}

weft::task<> wait_for_go(shared* s) {
    auto g = co_await s->m.scoped_lock();
    s->waiting.fetch_add(1);
    co_await s->cv.wait(s->m, [s] { return s->go; });
}

weft::task<> all_of(std::vector<weft::task<>> ts) { co_await weft::when_all(std::move(ts)); }

weft::task<bool> notify_all_with_predicate() {
    shared s;
    std::vector<weft::task<>> ts;
    for (int i = 0; i < 50; ++i) ts.push_back(wait_for_go(&s));
    auto all = weft::spawn(all_of(std::move(ts)));
    if (!co_await yield_until([&] { return s.waiting.load() == 50; })) co_return false;
    {
        auto g = co_await s.m.scoped_lock();
        s.cv.notify_all();  // predicate still false: they all wait again
    }
    for (int k = 0; k < 50; ++k) co_await weft::yield_now();
    bool still_waiting = !all.is_finished();
    {
        auto g = co_await s.m.scoped_lock();
        s.go = true;
        s.cv.notify_all();
    }
    co_await all;
    co_return still_waiting;
}

TEST(condition_variable, notify_all_wakes_everyone_and_the_predicate_form_rechecks) {
    for (std::uint32_t n : {1u, 2u}) {
        weft::runtime rt(workers(n));
        EXPECT_TRUE(rt.block_on(notify_all_with_predicate()));
    }
}

weft::task<> wait_until_cancelled(shared* s) { co_await s->cv.wait(s->m); }

weft::task<bool> timed_wait(shared* s) {
    auto g = co_await s->m.scoped_lock();
    s->waiting.fetch_add(1);
    try {
        co_await weft::timeout(1s, wait_until_cancelled(s));
    } catch (const weft::timeout_error&) {
        co_return s->m.is_locked();  // back with the lock held
    }
    co_return false;
}

TEST(condition_variable, a_cancelled_waiter_returns_holding_the_lock_and_leaves_no_trace) {
    weft::runtime rt(weft::test::paused(2));
    shared s;
    auto h = rt.spawn(timed_wait(&s));
    ASSERT_TRUE(weft::test::wait_until([&] { return s.waiting.load() == 1; }));
    ASSERT_TRUE(weft::test::advance_until(rt, 1s, [&] { return h.is_finished(); }));
    EXPECT_TRUE(rt.block_on(weft::test::join(&h)));
    EXPECT_FALSE(s.m.is_locked());  // the guard released it
    // A notify now finds nobody: the next waiter is not woken by a stale notify.
    s.cv.notify_one();
    s.waiting = 0;
    auto w = rt.spawn(wait_once(&s, 9));
    ASSERT_TRUE(weft::test::wait_until([&] { return s.waiting.load() == 1; }));
    std::this_thread::sleep_for(20ms);
    EXPECT_FALSE(w.is_finished());
    s.cv.notify_one();
    rt.block_on(weft::test::join(&w));
    EXPECT_EQ(s.woken, std::vector<int>{9});
}

struct pc {
    weft::mutex m;
    weft::condition_variable not_empty;
    std::deque<int> items;
    bool done = false;
};

weft::task<> cv_produce(pc* p, int from, int n) {
    for (int i = 0; i < n; ++i) {
        auto g = co_await p->m.scoped_lock();
        p->items.push_back(from + i);
        p->not_empty.notify_one();
    }
}

weft::task<long> cv_consume(pc* p, std::vector<std::atomic<std::uint8_t>>* seen) {
    long n = 0;
    while (true) {
        auto g = co_await p->m.scoped_lock();
        co_await p->not_empty.wait(p->m, [p] { return !p->items.empty() || p->done; });
        if (p->items.empty()) co_return n;
        (*seen)[static_cast<std::size_t>(p->items.front())].fetch_add(1);
        p->items.pop_front();
        ++n;
    }
}

weft::task<long> producers_consumers(std::vector<std::atomic<std::uint8_t>>* seen) {
    pc p;
    std::vector<weft::join_handle<long>> cs;
    for (int i = 0; i < 3; ++i) cs.push_back(weft::spawn(cv_consume(&p, seen)));
    std::vector<weft::task<>> ps;
    for (int i = 0; i < 3; ++i) ps.push_back(cv_produce(&p, i * 5'000, 5'000));
    co_await weft::when_all(std::move(ps));
    {
        auto g = co_await p.m.scoped_lock();
        p.done = true;
        p.not_empty.notify_all();
    }
    long total = 0;
    for (auto& c : cs) total += co_await c;
    co_return total;
}

TEST(condition_variable, producers_and_consumers_across_workers_deliver_exactly_once) {
    for (std::uint32_t n : {1u, 2u, 4u}) {
        weft::runtime rt(workers(n));
        std::vector<std::atomic<std::uint8_t>> seen(15'000);
        EXPECT_EQ(rt.block_on(producers_consumers(&seen)), 15'000);
        for (auto& s : seen) ASSERT_EQ(s.load(), 1);
    }
}

}  // namespace
