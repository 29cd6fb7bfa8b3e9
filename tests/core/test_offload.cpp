// offload (oneTBB): values, exceptions, a call skipped when cancelled before it starts, and
// shutdown waiting for calls in flight. Runs on core alone and on the io stack.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <numeric>
#include <stdexcept>
#include <thread>
#include <vector>

#include <weft/offload.hpp>
#include <weft/runtime.hpp>
#include <weft/when_all.hpp>

#include "test_support.hpp"

namespace {

using namespace std::chrono_literals;
using weft::task;

TEST(offload, returns_values_and_rethrows) {
    weft::runtime rt(weft::test::workers(2));
    auto run = []() -> task<void> {
        std::vector<long> v(1'000'000);
        std::iota(v.begin(), v.end(), 0L);
        auto sum = [&v] { return std::accumulate(v.begin(), v.end(), 0L); };
        EXPECT_EQ(co_await weft::offload(sum), 499'999'500'000L);
        auto fail = []() -> int { throw std::runtime_error("offloaded failure"); };
        EXPECT_THROW(co_await weft::offload(fail), std::runtime_error);
        auto nothing = [] {};
        co_await weft::offload(nothing);
    };
    rt.block_on(run());
}

TEST(offload, many_calls_from_many_tasks) {
    weft::runtime rt(weft::test::workers(2));
    auto one = [](int i) -> task<int> {
        auto f = [i] { return i * 2; };
        co_return co_await weft::offload(f);
    };
    auto run = [&]() -> task<void> {
        std::vector<task<int>> ts;
        for (int i = 0; i < 500; ++i) ts.push_back(one(i));
        auto rs = co_await weft::when_all(std::move(ts));
        EXPECT_EQ(std::accumulate(rs.begin(), rs.end(), 0), 499 * 500);
    };
    rt.block_on(run());
}

TEST(offload, the_runtime_waits_for_calls_in_flight_at_shutdown) {
    std::atomic<bool> finished{false};
    {
        weft::runtime rt(weft::test::workers(1));
        auto slow = [&finished] {
            std::this_thread::sleep_for(50ms);
            finished = true;
        };
        auto run = [&slow]() -> task<void> { co_await weft::offload(slow); };
        auto h = rt.spawn(run());
        std::this_thread::sleep_for(10ms);  // the call is running on a TBB thread now
    }                                       // ~runtime: waits for the call (it resumes a frame), then destroys the task
    EXPECT_TRUE(finished.load());
}

}  // namespace
