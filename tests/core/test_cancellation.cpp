// Cancellation through join_handle::cancel(): delivered at the next suspension point
// (yield, join, channel wait, when_all), one-shot, a no-op once finished, safe from any
// thread.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <stop_token>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include <weft/channel.hpp>
#include <weft/event.hpp>
#include <weft/runtime.hpp>
#include <weft/when_all.hpp>
#include <weft/yield.hpp>

#include "test_support.hpp"

namespace {

using weft::test::workers;

// Yields until cancelled (bounded: gives up after 10 million rounds).
weft::task<int> spin_yield(std::atomic<bool>* saw_cancel, std::atomic<bool>* running) {
    try {
        for (int i = 0; i < 10'000'000; ++i) {
            running->store(true);
            co_await weft::yield_now();
        }
    } catch (const weft::cancelled_error&) {
        saw_cancel->store(true);
        throw;
    }
    co_return 0;
}

weft::task<bool> cancel_a_yielding_task() {
    std::atomic<bool> saw{false}, running{false};
    auto h = weft::spawn(spin_yield(&saw, &running));
    while (!running.load()) co_await weft::yield_now();
    h.cancel();
    try {
        co_await h;
    } catch (const weft::cancelled_error&) {
        co_return saw.load();
    }
    co_return false;
}

TEST(cancellation, reaches_a_task_in_yield) {
    for (std::uint32_t n : {1u, 2u}) {
        weft::runtime rt(workers(n));
        EXPECT_TRUE(rt.block_on(cancel_a_yielding_task()));
    }
}

weft::task<int> yields_once() {
    co_await weft::yield_now();
    co_return 1;
}

weft::task<bool> cancel_before_start() {
    auto h = weft::spawn(yields_once());
    h.cancel();
    try {
        co_await h;
    } catch (const weft::cancelled_error&) {
        co_return true;
    }
    co_return false;  // it may legitimately have finished first on another worker
}

TEST(cancellation, before_the_task_ran) {
    weft::runtime rt(workers(1));  // one worker: the child cannot run before cancel()
    EXPECT_TRUE(rt.block_on(cancel_before_start()));
}

weft::task<int> catches_and_continues() {
    int caught = 0;
    for (int i = 0; i < 3; ++i) {
        try {
            co_await weft::yield_now();
        } catch (const weft::cancelled_error&) {
            ++caught;
        }
    }
    co_return caught;
}

weft::task<int> one_shot() {
    auto h = weft::spawn(catches_and_continues());
    h.cancel();
    co_return co_await h;  // the task swallowed it and finished normally
}

TEST(cancellation, delivery_is_one_shot) {
    weft::runtime rt(workers(1));
    EXPECT_EQ(rt.block_on(one_shot()), 1);
}

weft::task<int> five() { co_return 5; }

weft::task<int> cancel_after_finish() {
    auto h = weft::spawn(five());
    while (!h.is_finished()) co_await weft::yield_now();
    h.cancel();
    co_return co_await h;
}

TEST(cancellation, is_a_no_op_once_finished) {
    weft::runtime rt(workers(2));
    EXPECT_EQ(rt.block_on(cancel_after_finish()), 5);
}

weft::task<int> wait_on(weft::channel<int>* ch) {
    auto v = co_await ch->recv();
    co_return v.value_or(-1);
}

weft::task<bool> await_join(weft::join_handle<int>* child, std::atomic<bool>* waiting) {
    waiting->store(true);
    try {
        co_await *child;
    } catch (const weft::cancelled_error&) {
        co_return true;
    }
    co_return false;
}

weft::task<bool> cancel_a_joiner() {
    weft::channel<int> ch(1);
    auto child = weft::spawn(wait_on(&ch));
    std::atomic<bool> waiting{false};
    auto joiner = weft::spawn(await_join(&child, &waiting));
    while (!waiting.load()) co_await weft::yield_now();
    joiner.cancel();
    bool joiner_cancelled = co_await joiner;
    // The child was not cancelled: it still gets its value.
    co_await ch.send(11);
    int v = co_await child;
    co_return (joiner_cancelled && v == 11);
}

TEST(cancellation, reaches_a_task_awaiting_a_join) {
    for (std::uint32_t n : {1u, 2u}) {
        weft::runtime rt(workers(n));
        EXPECT_TRUE(rt.block_on(cancel_a_joiner()));
    }
}

weft::task<bool> cancel_a_receiver() {
    weft::channel<int> ch(1);
    auto r1 = weft::spawn(wait_on(&ch));
    for (int i = 0; i < 100; ++i) co_await weft::yield_now();  // let r1 reach its recv
    r1.cancel();
    bool cancelled = false;
    try {
        co_await r1;
    } catch (const weft::cancelled_error&) {
        cancelled = true;
    }
    // The cancelled receiver left no trace: the next item goes to a live receiver.
    auto r2 = weft::spawn(wait_on(&ch));
    co_await ch.send(3);
    int got = co_await r2;
    co_return (cancelled && got == 3);
}

TEST(cancellation, reaches_a_task_waiting_on_a_channel) {
    for (std::uint32_t n : {1u, 2u}) {
        weft::runtime rt(workers(n));
        EXPECT_TRUE(rt.block_on(cancel_a_receiver()));
    }
}

weft::task<bool> gather_waiters(weft::channel<int>* ch, std::atomic<int>* cancelled_children) {
    auto child = [](weft::channel<int>* c, std::atomic<int>* n) -> weft::task<int> {
        try {
            auto v = co_await c->recv();
            co_return v.value_or(0);
        } catch (const weft::cancelled_error&) {
            n->fetch_add(1);
            throw;
        }
    };
    try {
        co_await weft::when_all(child(ch, cancelled_children), child(ch, cancelled_children));
    } catch (const weft::cancelled_error&) {
        co_return true;
    }
    co_return false;
}

weft::task<bool> cancel_when_all() {
    weft::channel<int> ch(1);
    std::atomic<int> n{0};
    auto h = weft::spawn(gather_waiters(&ch, &n));
    for (int i = 0; i < 200; ++i) co_await weft::yield_now();
    h.cancel();
    bool r = co_await h;
    co_return (r && n.load() == 2);
}

TEST(cancellation, reaches_children_of_when_all) {
    for (std::uint32_t n : {1u, 2u}) {
        weft::runtime rt(workers(n));
        EXPECT_TRUE(rt.block_on(cancel_when_all()));
    }
}

// The child runs inline in its parent's join (one worker, child still in the LIFO slots).
// The parent is cancelled while the child is still running, before the child first
// suspends: the cancellation must reach the parent as soon as the child suspends.
weft::task<int> busy_then_wait(std::atomic<bool>* running, std::atomic<bool>* cancel_sent, weft::channel<int>* ch) {
    running->store(true);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!cancel_sent->load() && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
    auto v = co_await ch->recv();  // first suspension
    co_return v.value_or(-1);
}

weft::task<int> parent_of_inline_child(std::atomic<bool>* running, std::atomic<bool>* cancel_sent,
                                       weft::channel<int>* ch, weft::join_handle<int>* child_out) {
    *child_out = weft::spawn(busy_then_wait(running, cancel_sent, ch));
    co_return co_await *child_out;
}

weft::task<bool> await_cancelled(weft::join_handle<int>* h) {
    try {
        co_await *h;
    } catch (const weft::cancelled_error&) {
        co_return true;
    }
    co_return false;
}

TEST(cancellation, reaches_a_task_whose_inline_child_suspends_later) {
    weft::runtime rt(workers(1));
    std::atomic<bool> running{false}, cancel_sent{false};
    weft::channel<int> ch(1);
    weft::join_handle<int> child;
    auto parent = rt.spawn(parent_of_inline_child(&running, &cancel_sent, &ch, &child));
    while (!running.load()) std::this_thread::yield();
    parent.cancel();  // the child runs inline on the only worker right now
    cancel_sent.store(true);
    EXPECT_TRUE(rt.block_on(await_cancelled(&parent)));
    // The child was not cancelled: it still gets its value.
    ASSERT_TRUE(ch.try_send(4));
    EXPECT_EQ(rt.block_on(weft::test::join(&child)), 4);
}

TEST(cancellation, from_a_foreign_thread_while_running) {
    weft::runtime rt(workers(2));
    for (int round = 0; round < 200; ++round) {
        std::atomic<bool> saw{false}, running{false};
        auto h = rt.spawn(spin_yield(&saw, &running));
        std::thread canceller([&] {
            while (!running.load()) std::this_thread::yield();
            h.cancel();
        });
        canceller.join();
        ASSERT_THROW(rt.block_on(weft::test::join(&h)), weft::cancelled_error);  // the task saw it and rethrew
        ASSERT_TRUE(saw.load());
    }
}

}  // namespace

namespace {

weft::task<bool> until_cancelled_flag(std::atomic<int>* started) {
    started->fetch_add(1);
    try {
        for (int i = 0; i < 10'000'000; ++i) co_await weft::yield_now();
    } catch (const weft::cancelled_error&) {
        co_return true;
    }
    co_return false;
}

weft::task<int> stop_token_fan_out(std::stop_source* src, std::atomic<int>* started) {
    std::vector<weft::join_handle<bool>> hs;
    for (int i = 0; i < 10; ++i) hs.push_back(weft::spawn(until_cancelled_flag(started), src->get_token()));
    while (started->load() < 10) co_await weft::yield_now();
    src->request_stop();  // one request reaches all ten
    int cancelled = 0;
    for (auto& h : hs) cancelled += (co_await h) ? 1 : 0;
    co_return cancelled;
}

TEST(cancellation, a_stop_token_passed_down_cancels_every_task_it_was_given_to) {
    for (std::uint32_t n : {1u, 2u}) {
        weft::runtime rt(workers(n));
        std::stop_source src;
        std::atomic<int> started{0};
        EXPECT_EQ(rt.block_on(stop_token_fan_out(&src, &started)), 10);
    }
}

weft::task<bool> already_stopped() {
    std::stop_source src;
    src.request_stop();
    std::atomic<int> started{0};
    co_return co_await weft::spawn(until_cancelled_flag(&started), src.get_token());
}

TEST(cancellation, a_stopped_token_cancels_at_the_first_suspension) {
    weft::runtime rt(workers(1));
    EXPECT_TRUE(rt.block_on(already_stopped()));
}

// A failing task keeps its exception in its cancellation word: cancel() racing with the
// failure must leave either the exception or cancelled_error, never a mix, and no leak.
weft::task<> fail_after_yields(int yields) {
    for (int i = 0; i < yields; ++i) co_await weft::yield_now();
    throw std::runtime_error("failed");
}

weft::task<std::pair<int, int>> cancel_while_tasks_fail(int n) {
    std::vector<weft::join_handle<>> handles;
    for (int i = 0; i < n; ++i) handles.push_back(weft::spawn(fail_after_yields(i % 3)));
    for (int i = 0; i < n; i += 2) handles[static_cast<std::size_t>(i)].cancel();
    int failed = 0, cancelled = 0;
    for (auto& h : handles) {
        try {
            co_await h;
        } catch (const weft::cancelled_error&) {
            ++cancelled;
        } catch (const std::runtime_error&) {
            ++failed;
        }
    }
    co_return std::pair{failed, cancelled};
}

TEST(cancellation, races_with_a_failing_task) {
    weft::runtime rt(workers(2));
    constexpr int n = 3000;
    auto [failed, cancelled] = rt.block_on(cancel_while_tasks_fail(n));
    EXPECT_EQ(failed + cancelled, n);
    EXPECT_GE(failed, n / 2);  // the ones never cancelled all fail
    EXPECT_GT(cancelled, 0);   // most cancelled ones were still yielding
}

// ---- A cancellation cannot be swallowed by a catch clause meant for failures ----

// cancelled_error is outside std::exception and weft::error, as abi::__forced_unwind is.
static_assert(!std::is_base_of_v<std::exception, weft::cancelled_error>);
static_assert(!std::is_base_of_v<weft::error, weft::cancelled_error>);

// Waits on `ev` inside a try whose catch clause is `Catch`: 1 if that clause ran.
template <class Catch>
weft::task<int> catch_around_a_wait(weft::event* ev, std::atomic<bool>* waiting) {
    try {
        waiting->store(true);
        co_await ev->wait();
    } catch (const Catch&) {
        co_return 1;  // the failure handler ran: it must not have seen a cancellation
    }
    co_return 0;
}

// The common `catch (...) { clean up; throw; }`: the cancellation goes on.
weft::task<int> catch_all_and_rethrow(weft::event* ev, std::atomic<bool>* waiting, std::atomic<bool>* cleaned) {
    try {
        waiting->store(true);
        co_await ev->wait();
    } catch (...) {
        cleaned->store(true);
        throw;
    }
    co_return 0;
}

// 2: the cancellation came out of the task as cancelled_error; 1: the catch swallowed it.
weft::task<int> outcome(weft::join_handle<int> h, std::atomic<bool>* waiting) {
    while (!waiting->load()) co_await weft::yield_now();
    for (int i = 0; i < 10; ++i) co_await weft::yield_now();  // let it reach the wait
    h.cancel();
    try {
        co_return co_await h;
    } catch (const weft::cancelled_error& e) {
        co_return std::string(e.what()).find("cancelled") != std::string::npos ? 2 : -1;
    }
}

template <class Catch>
weft::task<int> cancel_through() {
    weft::event ev;
    std::atomic<bool> waiting{false};
    co_return co_await outcome(weft::spawn(catch_around_a_wait<Catch>(&ev, &waiting)), &waiting);
}

TEST(cancellation, is_not_swallowed_by_catch_clauses_for_failures) {
    for (std::uint32_t n : {1u, 2u}) {
        weft::runtime rt(workers(n));
        EXPECT_EQ(rt.block_on(cancel_through<std::exception>()), 2) << "catch (const std::exception&)";
        EXPECT_EQ(rt.block_on(cancel_through<std::runtime_error>()), 2) << "catch (const std::runtime_error&)";
        EXPECT_EQ(rt.block_on(cancel_through<weft::error>()), 2) << "catch (const weft::error&)";
        // Caught by name, it is caught (and the task decides what to do).
        EXPECT_EQ(rt.block_on(cancel_through<weft::cancelled_error>()), 1) << "catch (const weft::cancelled_error&)";
    }
}

weft::task<int> cancel_through_catch_all(std::atomic<bool>* cleaned) {
    weft::event ev;
    std::atomic<bool> waiting{false};
    co_return co_await outcome(weft::spawn(catch_all_and_rethrow(&ev, &waiting, cleaned)), &waiting);
}

TEST(cancellation, catch_all_that_rethrows_lets_it_through) {
    weft::runtime rt(workers(2));
    std::atomic<bool> cleaned{false};
    EXPECT_EQ(rt.block_on(cancel_through_catch_all(&cleaned)), 2);
    EXPECT_TRUE(cleaned.load());
}

// ---- What cancelling a task that awaits a join_handle does to the awaited task ----

weft::task<int> wait_on_event(weft::event* ev, std::atomic<bool>* waiting) {
    waiting->store(true);
    co_await ev->wait();
    co_return 5;
}

// Awaits the child with the cancel_child option; reports whether the child had finished
// (cancelled) by the time our own cancelled_error arrived.
weft::task<bool> await_propagating(weft::join_handle<int>* child) {
    try {
        (void)co_await child->join(weft::on_cancel::cancel_child);
    } catch (const weft::cancelled_error&) {
        co_return child->is_finished();
    }
    co_return false;
}

weft::task<bool> cancel_a_propagating_joiner(bool cancel_before_the_await) {
    weft::event ev;
    std::atomic<bool> child_waiting{false};
    auto child = weft::spawn(wait_on_event(&ev, &child_waiting));
    while (!child_waiting.load()) co_await weft::yield_now();
    auto joiner = weft::spawn(await_propagating(&child));
    if (cancel_before_the_await) {
        joiner.cancel();  // pending when it reaches the await (on one worker, it has not run)
    } else {
        for (int i = 0; i < 10; ++i) co_await weft::yield_now();  // it waits on the child now
        joiner.cancel();
    }
    bool child_done_first = co_await joiner;
    // The child was cancelled (the event was never set): its outcome is cancelled_error.
    bool child_cancelled = false;
    try {
        (void)co_await child;
    } catch (const weft::cancelled_error&) {
        child_cancelled = true;
    }
    co_return child_done_first&& child_cancelled;
}

TEST(cancellation, the_cancel_child_option_cancels_and_awaits_the_awaited_task) {
    for (std::uint32_t n : {1u, 2u}) {
        weft::runtime rt(workers(n));
        EXPECT_TRUE(rt.block_on(cancel_a_propagating_joiner(false))) << n << " workers";
        EXPECT_TRUE(rt.block_on(cancel_a_propagating_joiner(true))) << n << " workers, cancelled first";
    }
}

// The child is spawned and awaited at once (on one worker it has not started: the default
// would run it inline); it suspends on the event and the awaiting task is cancelled.
weft::task<bool> spawn_and_await_propagating(weft::event* ev, std::atomic<bool>* waiting, std::atomic<bool>* done) {
    auto child = weft::spawn(wait_on_event(ev, waiting));
    try {
        (void)co_await child.join(weft::on_cancel::cancel_child);
    } catch (const weft::cancelled_error&) {
        done->store(child.is_finished());
        throw;
    }
    co_return false;
}

weft::task<bool> cancel_an_unstarted_propagating_join() {
    weft::event ev;
    std::atomic<bool> waiting{false}, done{false};
    auto parent = weft::spawn(spawn_and_await_propagating(&ev, &waiting, &done));
    while (!waiting.load()) co_await weft::yield_now();
    parent.cancel();
    try {
        (void)co_await parent;
    } catch (const weft::cancelled_error&) {
        co_return done.load();
    }
    co_return false;
}

TEST(cancellation, the_cancel_child_option_with_a_child_not_yet_started) {
    for (std::uint32_t n : {1u, 2u}) {
        weft::runtime rt(workers(n));
        EXPECT_TRUE(rt.block_on(cancel_an_unstarted_propagating_join())) << n << " workers";
    }
}

// The default (`co_await h`, on_cancel::leave_child) is covered above by
// reaches_a_task_awaiting_a_join: the child runs on and still delivers its value.

}  // namespace
