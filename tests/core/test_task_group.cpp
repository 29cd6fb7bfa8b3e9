// task_group / task_scope: each of asyncio TaskGroup's rules on its own, results through
// handles, spawning from children, shutdown, and a bounded stress of nested groups with
// random failures and cancellations (every child reaped, nothing leaked: ASan checks).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <weft/event.hpp>
#include <weft/runtime.hpp>
#include <weft/task_group.hpp>
#include <weft/timeout.hpp>
#include <weft/yield.hpp>

#include "sync_test_support.hpp"

namespace {

using namespace std::chrono_literals;
using weft::test::workers;

using weft::test::paused;
using weft::test::wait_until;
using weft::test::yield_until;

struct boom : std::runtime_error {
    explicit boom(int i) : std::runtime_error("boom " + std::to_string(i)), id(i) {}
    int id;
};

weft::task<int> square(int x) {
    co_await weft::yield_now();
    co_return x* x;
}

weft::task<int> sum_of_squares(int n) {
    weft::task_group g;
    std::vector<weft::group_handle<int>> hs;
    for (int i = 0; i < n; ++i) hs.push_back(g.spawn(square(i)));
    co_await g.join();
    int sum = 0;
    for (auto& h : hs) sum += h.result();
    co_return sum;
}

TEST(task_group, join_waits_for_every_child_and_results_are_read_through_handles) {
    for (std::uint32_t n : {1u, 2u}) {
        weft::runtime rt(workers(n));
        EXPECT_EQ(rt.block_on(sum_of_squares(100)), 328'350);
    }
}

// Waits until cancelled; counts how it ended.
weft::task<> wait_forever(weft::event* never, std::atomic<int>* started, std::atomic<int>* cancelled) {
    started->fetch_add(1);
    try {
        co_await never->wait();
    } catch (const weft::cancelled_error&) {
        cancelled->fetch_add(1);
        throw;
    }
}

weft::task<> fail_after(weft::event* go, int id) {
    co_await go->wait();
    throw boom(id);
}

weft::task<bool> one_failure_cancels_the_siblings() {
    weft::event never, go;
    std::atomic<int> started{0}, cancelled{0};
    weft::task_group g;
    for (int i = 0; i < 5; ++i) (void)g.spawn(wait_forever(&never, &started, &cancelled));
    auto failing = g.spawn(fail_after(&go, 7));
    co_await yield_until([&] { return started.load() == 5; });
    go.set();
    try {
        co_await g.join();
    } catch (const weft::task_group_error& e) {
        // Exactly the one failure, as itself; the siblings' cancelled_error is not a failure.
        bool ok = e.exceptions().size() == 1 && cancelled.load() == 5 && g.size() == 0;
        try {
            std::rethrow_exception(e.exceptions().front());
        } catch (const boom& b) {
            ok = ok && b.id == 7;
        }
        bool handle_rethrows = false;
        try {
            failing.result();
        } catch (const boom&) {
            handle_rethrows = true;
        }
        co_return (ok && handle_rethrows);
    }
    co_return false;
}

TEST(task_group, a_failure_cancels_the_siblings_and_join_rethrows_it_in_a_group_error) {
    for (std::uint32_t n : {1u, 2u}) {
        weft::runtime rt(workers(n));
        EXPECT_TRUE(rt.block_on(one_failure_cancels_the_siblings()));
    }
}

weft::task<std::size_t> several_failures() {
    weft::event go;
    weft::task_group g;
    // All three are woken by one set(): each is past its wait before any cancel arrives,
    // so all three fail, and all three must be reported.
    for (int i = 0; i < 3; ++i) (void)g.spawn(fail_after(&go, i));
    for (int i = 0; i < 10; ++i) co_await weft::yield_now();
    go.set();
    try {
        co_await g.join();
    } catch (const weft::task_group_error& e) {
        int mask = 0;
        for (const auto& ex : e.exceptions()) {
            try {
                std::rethrow_exception(ex);
            } catch (const boom& b) {
                mask |= 1 << b.id;
            }
        }
        co_return mask == 7 ? e.exceptions().size() : 0;
    }
    co_return 0;
}

TEST(task_group, several_failures_are_all_reported) {
    for (std::uint32_t n : {1u, 2u}) {
        weft::runtime rt(workers(n));
        EXPECT_EQ(rt.block_on(several_failures()), 3u);
    }
}

weft::task<bool> a_cancelled_child_is_not_a_failure() {
    weft::event never;
    std::atomic<int> started{0}, cancelled{0};
    weft::task_group g;
    auto victim = g.spawn(wait_forever(&never, &started, &cancelled));
    auto fine = g.spawn(square(3));
    co_await yield_until([&] { return started.load() == 1; });
    victim.cancel();
    co_await g.join();  // no task_group_error
    bool victim_cancelled = false;
    try {
        victim.result();
    } catch (const weft::cancelled_error&) {
        victim_cancelled = true;
    }
    co_return (victim_cancelled && fine.result() == 9 && !g.is_shutting_down());
}

TEST(task_group, a_child_ending_in_cancelled_error_is_not_a_failure) {
    weft::runtime rt(workers(2));
    EXPECT_TRUE(rt.block_on(a_cancelled_child_is_not_a_failure()));
}

// A child that, once cancelled, takes a few more suspensions to clean up.
weft::task<> slow_to_cancel(weft::event* never, std::atomic<int>* started, std::atomic<int>* cleaned) {
    started->fetch_add(1);
    try {
        co_await never->wait();
    } catch (const weft::cancelled_error&) {
    }
    for (int i = 0; i < 20; ++i) co_await weft::yield_now();
    cleaned->fetch_add(1);
}

weft::task<> join_group_of(int n, weft::event* never, std::atomic<int>* started, std::atomic<int>* cleaned) {
    weft::task_group g;
    for (int i = 0; i < n; ++i) (void)g.spawn(slow_to_cancel(never, started, cleaned));
    co_await g.join();
}

weft::task<bool> cancelled_join(std::atomic<int>* started, std::atomic<int>* cleaned) {
    weft::event never;
    try {
        co_await weft::timeout(1s, join_group_of(4, &never, started, cleaned));
    } catch (const weft::timeout_error&) {
        // The timeout cancelled the joining task: every child was cancelled and had finished
        // cleaning up before the cancellation came out of join().
        co_return cleaned->load() == 4;
    }
    co_return false;
}

TEST(task_group, cancelling_the_joining_task_cancels_the_children_and_waits_for_them) {
    weft::runtime rt(paused(2));
    std::atomic<int> started{0}, cleaned{0};
    auto h = rt.spawn(cancelled_join(&started, &cleaned));
    ASSERT_TRUE(wait_until([&] { return started.load() == 4; }));
    ASSERT_TRUE(weft::test::advance_until(rt, 1s, [&] { return h.is_finished(); }));
    EXPECT_TRUE(rt.block_on(weft::test::join(&h)));
}

weft::task<bool> join_propagates_cancellation() {
    weft::event never;
    std::atomic<int> started{0}, cleaned{0};
    auto h = weft::spawn(join_group_of(3, &never, &started, &cleaned));
    co_await yield_until([&] { return started.load() == 3; });
    h.cancel();
    try {
        co_await h;
    } catch (const weft::cancelled_error&) {
        co_return cleaned.load() == 3;
    }
    co_return false;
}

TEST(task_group, the_cancellation_propagates_out_of_join_after_the_children_finish) {
    for (std::uint32_t n : {1u, 2u}) {
        weft::runtime rt(workers(n));
        EXPECT_TRUE(rt.block_on(join_propagates_cancellation()));
    }
}

weft::task<int> spawn_is_refused_when_shutting_down() {
    weft::event never, go;
    std::atomic<int> started{0}, cancelled{0};
    int refused = 0;
    {
        weft::task_group g;
        (void)g.spawn(wait_forever(&never, &started, &cancelled));
        (void)g.spawn(fail_after(&go, 1));
        go.set();
        co_await yield_until([&] { return g.is_shutting_down(); });
        try {
            (void)g.spawn(square(2));
        } catch (const weft::error&) {
            ++refused;
        }
        try {
            co_await g.join();
        } catch (const weft::task_group_error&) {
        }
    }
    {
        weft::task_group g;  // cancel() shuts it down too
        g.cancel();
        try {
            (void)g.spawn(square(2));
        } catch (const weft::error&) {
            ++refused;
        }
        co_await g.join();
    }
    {
        weft::task_group g;  // and so does join()
        (void)g.spawn(square(2));
        co_await g.join();
        try {
            (void)g.spawn(square(2));
        } catch (const weft::error&) {
            ++refused;
        }
    }
    co_return refused;
}

TEST(task_group, spawning_into_a_group_that_is_shutting_down_or_joined_throws) {
    weft::runtime rt(workers(2));
    EXPECT_EQ(rt.block_on(spawn_is_refused_when_shutting_down()), 3);
}

// Counts live frames: a local of this type lives in each child's frame.
struct frame_counter {
    std::atomic<int>* live;
    explicit frame_counter(std::atomic<int>* l) : live(l) { live->fetch_add(1); }
    ~frame_counter() { live->fetch_sub(1); }
};

weft::task<> counted_wait(weft::event* never, std::atomic<int>* live, std::atomic<int>* started) {
    frame_counter c(live);
    started->fetch_add(1);
    co_await never->wait();
}

weft::task<> leave_without_join(weft::event* never, std::atomic<int>* live, std::atomic<int>* started) {
    weft::task_group g;
    for (int i = 0; i < 8; ++i) (void)g.spawn(counted_wait(never, live, started));
    co_await yield_until([&] { return started->load() == 8; });
    throw boom(0);  // the scope is left without join()
}

weft::task<int> leaving_the_scope_reaps_the_children() {
    weft::event never;  // outlives the children: declared in the frame that waits for them
    std::atomic<int> live{0}, started{0};
    try {
        co_await leave_without_join(&never, &live, &started);
    } catch (const boom&) {
    }
    // The children were cancelled by the group's destructor and finish on their own.
    co_await yield_until([&] { return live.load() == 0; });
    co_return live.load();
}

TEST(task_group, leaving_the_scope_without_join_cancels_and_reaps_the_children) {
    for (std::uint32_t n : {1u, 2u}) {
        weft::runtime rt(workers(n));
        EXPECT_EQ(rt.block_on(leaving_the_scope_reaps_the_children()), 0);
    }
}

weft::task<> spawner(weft::task_group* g, std::atomic<int>* ran, int depth) {
    ran->fetch_add(1);
    co_await weft::yield_now();
    if (depth > 0) {
        (void)g->spawn(spawner(g, ran, depth - 1));
        (void)g->spawn(spawner(g, ran, depth - 1));
    }
}

weft::task<int> children_spawn_while_the_parent_joins() {
    std::atomic<int> ran{0};
    weft::task_group g;
    (void)g.spawn(spawner(&g, &ran, 6));
    co_await g.join();  // waits for grandchildren spawned meanwhile
    co_return ran.load();
}

TEST(task_group, children_may_spawn_siblings_while_the_parent_is_in_join) {
    weft::runtime rt(workers(2));
    EXPECT_EQ(rt.block_on(children_spawn_while_the_parent_joins()), 127);
}

weft::task<bool> failure_before_join_and_an_empty_group() {
    weft::task_group empty;
    co_await empty.join();  // nothing to wait for
    weft::event go;
    weft::task_group g;
    auto h = g.spawn(fail_after(&go, 3));
    go.set();
    co_await yield_until([&] { return h.is_finished(); });
    try {
        co_await g.join();  // the failure was recorded before join: still reported
    } catch (const weft::task_group_error& e) {
        co_return e.exceptions().size() == 1;
    }
    co_return false;
}

TEST(task_group, an_empty_group_joins_at_once_and_an_early_failure_is_reported_at_join) {
    weft::runtime rt(workers(2));
    EXPECT_TRUE(rt.block_on(failure_before_join_and_an_empty_group()));
}

weft::task<int> await_one_handle() {
    weft::task_group g;
    auto a = g.spawn(square(5));
    int v = co_await a;  // one child, before the group's join
    co_await g.join();
    co_return v;
}

TEST(task_group, a_handle_can_be_awaited_before_join) {
    weft::runtime rt(workers(2));
    EXPECT_EQ(rt.block_on(await_one_handle()), 25);
}

weft::task<> maybe_fail(int id, weft::event* go) {
    co_await go->wait();
    if (id % 3 == 0) throw boom(id);
}

weft::task<bool> scope_isolates_failures() {
    weft::event go, never;
    std::atomic<int> started{0}, cancelled{0};
    weft::task_scope scope;
    for (int i = 0; i < 9; ++i) scope.spawn(maybe_fail(i, &go));
    go.set();
    co_await yield_until([&] { return scope.size() == 0; });
    bool isolated = scope.size() == 0 && !scope.is_shutting_down();  // failures did not cancel
    for (int i = 0; i < 4; ++i) scope.spawn(wait_forever(&never, &started, &cancelled));
    co_await yield_until([&] { return started.load() == 4; });
    scope.cancel();  // a server shutting down
    co_await scope.join();
    co_return (isolated && cancelled.load() == 4);
}

TEST(task_scope, failures_are_logged_not_spread_and_cancel_stops_every_child) {
    weft::runtime rt(workers(2));
    EXPECT_TRUE(rt.block_on(scope_isolates_failures()));
}

weft::task<> join_forever(weft::event* never, std::atomic<int>* live, std::atomic<int>* started) {
    weft::task_group g;
    for (int i = 0; i < 4; ++i) (void)g.spawn(counted_wait(never, live, started));
    co_await g.join();
}

TEST(task_group, runtime_shutdown_destroys_a_joining_group_and_its_children) {
    weft::event never;
    std::atomic<int> live{0}, started{0};
    {
        weft::runtime rt(workers(2));
        auto h = rt.spawn(join_forever(&never, &live, &started));
        ASSERT_TRUE(wait_until([&] { return started.load() == 4; }));
    }  // destroys the suspended parent and children; ASan checks nothing leaks
    EXPECT_EQ(live.load(), 0);
}

// ---- stress: nested groups, random failures and cancellations ----

struct stress_counts {
    std::atomic<int> live{0};
    std::atomic<int> made{0};
};

weft::task<> stress_node(int depth, std::uint32_t seed, stress_counts* c) {
    frame_counter fc(&c->live);
    c->made.fetch_add(1);
    std::minstd_rand rng(seed);
    co_await weft::yield_now();
    if (rng() % 11 == 0) throw boom(depth);
    if (depth == 0) {
        for (std::uint32_t i = rng() % 4; i > 0; --i) co_await weft::yield_now();
        co_return;
    }
    weft::task_group g;
    std::vector<weft::group_handle<>> hs;
    const int kids = 1 + static_cast<int>(rng() % 4);
    for (int i = 0; i < kids; ++i) hs.push_back(g.spawn(stress_node(depth - 1, static_cast<std::uint32_t>(rng()), c)));
    if (rng() % 7 == 0) hs[rng() % hs.size()].cancel();
    if (rng() % 13 == 0) g.cancel();
    if (rng() % 17 == 0) throw boom(-depth);  // leave without join
    co_await g.join();
}

weft::task<int> stress_root(std::uint32_t seed, stress_counts* c) {
    int failed = 0;
    std::minstd_rand rng(seed);
    for (int round = 0; round < 100; ++round) {
        weft::task_group g;
        try {
            // A child may fail before the last spawn: the group then refuses it.
            for (int i = 0; i < 4; ++i) (void)g.spawn(stress_node(4, static_cast<std::uint32_t>(rng()), c));
        } catch (const weft::error&) {
        }
        try {
            co_await g.join();
        } catch (const weft::task_group_error&) {
            ++failed;
        }
    }
    // Children detached by groups left without join finish on their own.
    co_await yield_until([&] { return c->live.load() == 0; });
    co_return failed;
}

TEST(task_group, stress_nested_groups_with_random_failures_and_cancellations_reap_every_child) {
    for (std::uint32_t n : {1u, 2u}) {
        weft::runtime rt(workers(n));
        stress_counts c;
        int failed = rt.block_on(stress_root(42 + n, &c));
        EXPECT_EQ(c.live.load(), 0);
        EXPECT_GT(c.made.load(), 100);
        EXPECT_GT(failed, 0);
    }
}

}  // namespace
