// spawn_blocking (the blocking pool): values, exceptions, cancellation before the call
// starts, many calls across workers; and signals. (offload: tests/core/test_offload.cpp.)
#include <atomic>
#include <csignal>
#include <numeric>
#include <thread>

#include <weft/signal.hpp>
#include <weft/sleep.hpp>
#include <weft/spawn_blocking.hpp>
#include <weft/when_all.hpp>

#include "io_test_support.hpp"

namespace {

using namespace std::chrono_literals;
using weft::task;

class blocking : public weft::test::io_test {};
WEFT_IO_TEST_SUITE(blocking);

TEST_P(blocking, spawn_blocking_returns_values_and_rethrows) {
    weft::runtime rt(config(2));
    auto run = []() -> task<void> {
        auto slow = [] {
            std::this_thread::sleep_for(5ms);
            return std::string("done");
        };
        EXPECT_EQ(co_await weft::spawn_blocking(slow), "done");
        auto fail = []() -> int { throw std::logic_error("blocking failure"); };
        EXPECT_THROW(co_await weft::spawn_blocking(fail), std::logic_error);
        // Many at once: they overlap on the pool (64 threads by default).
        auto one = [](int i) -> task<int> {
            auto f = [i] {
                std::this_thread::sleep_for(2ms);
                return i;
            };
            co_return co_await weft::spawn_blocking(f);
        };
        std::vector<task<int>> ts;
        for (int i = 0; i < 200; ++i) ts.push_back(one(i));
        auto rs = co_await weft::when_all(std::move(ts));
        EXPECT_EQ(std::accumulate(rs.begin(), rs.end(), 0), 199 * 200 / 2);
    };
    rt.block_on(run());
}

TEST_P(blocking, a_queued_blocking_call_is_dropped_when_cancelled) {
    auto c = config(2);
    c.section<weft::io_config>().blocking_threads = 1;
    weft::runtime rt(c);
    auto run = []() -> task<void> {
        std::atomic<bool> release{false}, second_ran{false};
        auto busy = [&release] {
            while (!release) std::this_thread::sleep_for(1ms);
        };
        auto second = [&second_ran] { second_ran = true; };
        auto hold = [&]() -> task<void> { co_await weft::spawn_blocking(busy); };
        auto queued = [&]() -> task<void> { co_await weft::spawn_blocking(second); };
        auto h1 = weft::spawn(hold());
        co_await weft::sleep_for(5ms);
        auto h2 = weft::spawn(queued());
        co_await weft::sleep_for(5ms);
        h2.cancel();
        EXPECT_THROW(co_await h2, weft::cancelled_error);  // at once, while the pool is busy
        release = true;
        co_await h1;
        EXPECT_FALSE(second_ran.load());
    };
    rt.block_on(run());
}

TEST_P(blocking, signal_wakes_a_waiting_task) {
    weft::runtime rt(config(2));
    auto run = []() -> task<void> {
        auto wait = []() -> task<int> { co_return co_await weft::signal(SIGUSR1, SIGUSR2); };
        // Install the handler here: the loop may kill before the spawned task first runs
        // (slow under TSan), and SIGUSR2's default action ends the process.
        (void)weft::signal(SIGUSR1, SIGUSR2);
        auto h = weft::spawn(wait());
        for (int i = 0; i < 500 && !h.is_finished(); ++i) {
            co_await weft::sleep_for(2ms);
            ::kill(::getpid(), SIGUSR2);
        }
        EXPECT_EQ(co_await h, SIGUSR2);
        co_await weft::sleep_for(50ms);  // let a second kill from the loop land before the next wait
        // A waiter that is cancelled leaves; bad signals are clear errors.
        auto h2 = weft::spawn(wait());
        co_await weft::sleep_for(2ms);
        h2.cancel();
        EXPECT_THROW(co_await h2, weft::cancelled_error);
        EXPECT_THROW((void)weft::signal(SIGKILL), weft::error);
        EXPECT_THROW((void)weft::signal(0), weft::error);
    };
    rt.block_on(run());
}

}  // namespace
