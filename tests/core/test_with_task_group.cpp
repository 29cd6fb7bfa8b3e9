// with_task_group: asyncio's `async with TaskGroup()` as one call. Whatever way the body
// ends — a value, an exception, a cancellation — every child has finished before the call
// returns, so children may use the caller's locals (ASan checks that none is touched late).
// Also: a task_group destroyed with children still running says so in the log.
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <weft/event.hpp>
#include <weft/mutex.hpp>
#include <weft/runtime.hpp>
#include <weft/task_group.hpp>
#include <weft/yield.hpp>

#include "sync_test_support.hpp"

namespace {

using weft::test::workers;
using weft::test::yield_until;

struct boom : std::runtime_error {
    explicit boom(int i) : std::runtime_error("boom " + std::to_string(i)), id(i) {}
    int id;
};

// What children write into: lives in the caller's frame.
struct journal {
    weft::mutex mu;
    std::vector<int> ids;
    std::atomic<int> started{0};
};

// Waits until cancelled, then cleans up *after a suspension* (so a child left running
// detached would touch `j` after the caller's frame is gone), and ends cancelled.
weft::task<> child_with_cleanup(weft::event* never, journal* j, int id) {
    j->started.fetch_add(1);
    std::exception_ptr cancelled;
    try {
        co_await never->wait();
    } catch (const weft::cancelled_error&) {
        cancelled = std::current_exception();
    }
    co_await weft::yield_now();
    {
        auto held = co_await j->mu.scoped_lock();
        j->ids.push_back(id);
    }
    if (cancelled) std::rethrow_exception(cancelled);
}

weft::task<int> square(int x) {
    co_await weft::yield_now();
    co_return x* x;
}

weft::task<int> sum_of_squares(int n) {
    co_return co_await weft::with_task_group([n](weft::task_group& g) -> weft::task<int> {
        std::vector<weft::group_handle<int>> hs;
        for (int i = 0; i < n; ++i) hs.push_back(g.spawn(square(i)));
        int sum = 0;
        for (auto& h : hs) sum += co_await h;
        co_return sum;
    });
}

TEST(with_task_group, returns_the_body_value) {
    for (std::uint32_t n : {1u, 2u}) {
        weft::runtime rt(workers(n));
        EXPECT_EQ(rt.block_on(sum_of_squares(100)), 328'350);
    }
}

// The body throws while children run: they are cancelled and joined before it propagates.
weft::task<std::size_t> body_throws() {
    weft::event never;
    journal j;
    try {
        co_await weft::with_task_group([&](weft::task_group& g) -> weft::task<> {
            for (int i = 0; i < 8; ++i) (void)g.spawn(child_with_cleanup(&never, &j, i));
            co_await yield_until([&] { return j.started.load() == 8; });
            throw boom(1);
        });
    } catch (const boom&) {
        co_return j.ids.size();  // every child has cleaned up already
    }
    co_return 0;
}

TEST(with_task_group, joins_the_children_when_the_body_throws) {
    for (std::uint32_t n : {1u, 2u}) {
        weft::runtime rt(workers(n));
        EXPECT_EQ(rt.block_on(body_throws()), 8u);
    }
}

// The task running with_task_group is cancelled while its body waits: the cancellation
// reaches the body, the children are cancelled and joined, then cancelled_error comes out.
weft::task<> body_waits(weft::event* never, journal* j, std::size_t* seen_on_exit) {
    try {
        co_await weft::with_task_group([&](weft::task_group& g) -> weft::task<> {
            for (int i = 0; i < 8; ++i) (void)g.spawn(child_with_cleanup(never, j, i));
            co_await never->wait();
        });
    } catch (const weft::cancelled_error&) {
        *seen_on_exit = j->ids.size();
        throw;
    }
}

// The same with the body done, the task waiting for the children (cancelled in join()).
weft::task<> body_returns(weft::event* never, journal* j, std::size_t* seen_on_exit) {
    try {
        co_await weft::with_task_group([&](weft::task_group& g) -> weft::task<> {
            for (int i = 0; i < 8; ++i) (void)g.spawn(child_with_cleanup(never, j, i));
            co_return;
        });
    } catch (const weft::cancelled_error&) {
        *seen_on_exit = j->ids.size();
        throw;
    }
}

weft::task<bool> cancel_the_owner(bool body_done) {
    weft::event never;
    journal j;
    std::size_t seen = 0;
    auto owner = weft::spawn(body_done ? body_returns(&never, &j, &seen) : body_waits(&never, &j, &seen));
    if (!co_await yield_until([&] { return j.started.load() == 8; })) co_return false;
    for (int i = 0; i < 10; ++i) co_await weft::yield_now();
    owner.cancel();
    bool cancelled = false;
    try {
        co_await owner;
    } catch (const weft::cancelled_error&) {
        cancelled = true;
    }
    co_return cancelled&& seen == 8;
}

TEST(with_task_group, joins_the_children_when_the_owner_is_cancelled) {
    for (std::uint32_t n : {1u, 2u}) {
        weft::runtime rt(workers(n));
        EXPECT_TRUE(rt.block_on(cancel_the_owner(false))) << n << " workers, cancelled in the body";
        EXPECT_TRUE(rt.block_on(cancel_the_owner(true))) << n << " workers, cancelled in the join";
    }
}

weft::task<> fail(int id) {
    co_await weft::yield_now();
    throw boom(id);
}

// A child fails: task_group_error after the others were cancelled; if the body threw as
// well, its exception comes first.
weft::task<std::vector<int>> failures(bool body_throws_too) {
    weft::event never, go;
    journal j;
    std::vector<int> ids;
    try {
        co_await weft::with_task_group([&](weft::task_group& g) -> weft::task<> {
            for (int i = 0; i < 4; ++i) (void)g.spawn(child_with_cleanup(&never, &j, i));
            (void)g.spawn(fail(7));
            co_await yield_until([&] { return g.is_shutting_down(); });
            if (body_throws_too) throw boom(1);
        });
    } catch (const weft::task_group_error& e) {
        for (const auto& x : e.exceptions()) {
            try {
                std::rethrow_exception(x);
            } catch (const boom& b) {
                ids.push_back(b.id);
            }
        }
        ids.push_back(static_cast<int>(j.ids.size()));
    }
    co_return ids;
}

TEST(with_task_group, child_failures_are_a_task_group_error) {
    for (std::uint32_t n : {1u, 2u}) {
        weft::runtime rt(workers(n));
        EXPECT_EQ(rt.block_on(failures(false)), (std::vector<int>{7, 4}));
        EXPECT_EQ(rt.block_on(failures(true)), (std::vector<int>{1, 7, 4}));
    }
}

// The body is cancelled and a child had failed: task_group_error wins, and the cancellation
// stays pending for the next suspension point (as join() does).
weft::task<int> cancelled_body_with_a_failed_child(weft::event* never, std::atomic<bool>* failed) {
    int outcome = 0;
    try {
        co_await weft::with_task_group([&](weft::task_group& g) -> weft::task<> {
            (void)g.spawn(fail(3));
            co_await yield_until([&] { return g.is_shutting_down(); });
            failed->store(true);
            co_await never->wait();  // cancelled here by the test
        });
    } catch (const weft::task_group_error& e) {
        outcome = static_cast<int>(e.exceptions().size());
    }
    try {
        co_await weft::yield_now();
    } catch (const weft::cancelled_error&) {
        outcome += 10;  // the pending cancellation
    }
    co_return outcome;
}

weft::task<int> cancel_a_body_after_a_failure() {
    weft::event never;
    std::atomic<bool> failed{false};
    auto owner = weft::spawn(cancelled_body_with_a_failed_child(&never, &failed));
    co_await yield_until([&] { return failed.load(); });
    for (int i = 0; i < 10; ++i) co_await weft::yield_now();
    owner.cancel();
    co_return co_await owner;
}

TEST(with_task_group, a_cancellation_not_thrown_stays_pending) {
    weft::runtime rt(workers(2));
    EXPECT_EQ(rt.block_on(cancel_a_body_after_a_failure()), 11);
}

// The callable is kept alive for the whole body: captures by value are safe. (Named first:
// gcc 12 destroys a lambda temporary with non-trivial captures twice inside co_await.)
weft::task<std::string> captures_by_value() {
    std::string prefix = "weft";
    auto body = [prefix](weft::task_group& g) -> weft::task<std::string> {
        auto h = g.spawn(square(3));
        co_await weft::yield_now();
        co_return prefix + std::to_string(co_await h);
    };
    co_return co_await weft::with_task_group(std::move(body));
}

TEST(with_task_group, keeps_the_callable_alive) {
    weft::runtime rt(workers(2));
    EXPECT_EQ(rt.block_on(captures_by_value()), "weft9");
}

// ---- the manual form: a group destroyed with children still running is logged ----

weft::task<> wait_on(weft::event* never) { co_await never->wait(); }

weft::task<> leave_unjoined(weft::event* never) {
    weft::task_group g;
    (void)g.spawn(wait_on(never));
    (void)g.spawn(wait_on(never));
    co_await weft::yield_now();
}  // no join(): both children are cancelled and detached

TEST(with_task_group, a_group_destroyed_unjoined_is_logged) {
    weft::runtime rt(workers(1));
    auto logger = spdlog::get("weft");  // created by the runtime
    ASSERT_TRUE(logger);
    auto out = std::make_shared<std::ostringstream>();
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(*out);
    logger->sinks().push_back(sink);
    weft::event never;
    rt.block_on(leave_unjoined(&never));
    logger->sinks().pop_back();
    EXPECT_NE(out->str().find("task_group destroyed with 2 child task(s) still running"), std::string::npos)
        << out->str();
}

}  // namespace
