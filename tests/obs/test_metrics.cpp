// test_metrics.cpp — the metrics snapshot's histograms and gauges under both drivers, and
// its Prometheus exposition parsed by prometheus_client (arguments: the python3 that has
// it, and tests/obs/check_prometheus.py).
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include <weft/async_fd.hpp>
#include <weft/event.hpp>
#include <weft/runtime.hpp>
#include <weft/sleep.hpp>
#include <weft/yield.hpp>

#include "../io/io_test_support.hpp"

namespace {

using namespace std::chrono_literals;

std::string g_python;   // the python3 that has prometheus_client (argv[1])
std::string g_checker;  // path of check_prometheus.py (argv[2])

weft::task<> yielder(int n) {
    for (int i = 0; i < n; ++i) co_await weft::yield_now();
}
weft::task<> pipe_round_trips(int n) {
    auto [in, out] = weft::make_pipe();
    std::vector<std::byte> b(8);
    for (int i = 0; i < n; ++i) {
        auto reader = weft::spawn([](weft::async_fd* in, std::vector<std::byte>* b) -> weft::task<> {
            (void)co_await in->read_some(*b);  // waits: the write comes after a sleep
        }(&in, &b));
        co_await weft::sleep_for(1ms);
        co_await out.write_all(b);
        co_await reader;
    }
}
weft::task<> wait_on(weft::event* e) { co_await e->wait(); }
weft::task<> sleep_long() { co_await weft::sleep_for(1h); }

class metrics : public weft::test::io_test {};

TEST_P(metrics, histograms_and_gauges_fill_in) {
    auto cfg = config(2);
    cfg.stall_threshold_ms = 20;  // the probe measures scheduling delay
    weft::runtime rt(cfg);
    weft::event never;
    std::vector<weft::join_handle<>> idle;
    for (int i = 0; i < 3; ++i) idle.push_back(rt.spawn(wait_on(&never)));
    for (int i = 0; i < 2; ++i) idle.push_back(rt.spawn(sleep_long()));
    rt.block_on(yielder(2000));
    rt.block_on(pipe_round_trips(20));
    std::this_thread::sleep_for(100ms);  // a few probes
    const weft::runtime_metrics m = rt.metrics();
    const weft::worker_metrics t = m.total();
    EXPECT_GT(t.poll_duration.count, 0u);
    EXPECT_GE(t.io_latency.count, 20u);  // every read waited
    EXPECT_EQ(t.io_driver, weft::to_string(GetParam()));
    EXPECT_GT(t.io_latency.quantile_s(0.5), 0.0);
    EXPECT_EQ(t.timers_armed, 2u);
    EXPECT_GT(m.scheduling_delay.count, 0u);
    EXPECT_EQ(m.suspended_by_kind.at("event"), 3u);
    EXPECT_EQ(m.suspended_by_kind.at("sleep"), 2u);
    EXPECT_GE(m.live_tasks, 5u);
    EXPECT_GT(m.open_fds, 2u);
    const auto j = nlohmann::json::parse(m.to_json());
    EXPECT_EQ(j["suspended_by_kind"]["event"], 3);
    EXPECT_EQ(j["total"]["io_latency"]["count"], t.io_latency.count);
    EXPECT_NE(m.to_text().find("suspended by kind:"), std::string::npos) << m.to_text();
}

TEST_P(metrics, the_prometheus_exposition_parses) {
    ASSERT_FALSE(g_checker.empty()) << "usage: test_obs_metrics PYTHON3 tests/obs/check_prometheus.py";
    auto cfg = config(2);
    cfg.stall_threshold_ms = 20;
    weft::runtime rt(cfg);
    weft::event never;
    auto h = rt.spawn(wait_on(&never));
    rt.block_on(pipe_round_trips(5));
    std::this_thread::sleep_for(60ms);
    const std::string text = rt.metrics().to_prometheus();
    EXPECT_NE(text.find("weft_tasks_polled_total{worker=\"1\"}"), std::string::npos) << text;
    const std::string path = ::testing::TempDir() + "weft_metrics.prom";
    std::ofstream(path) << text;
    const std::string cmd = g_python + " " + g_checker + " " + path +
                            " weft_tasks_polled weft_poll_duration_seconds weft_io_op_latency_seconds"
                            " weft_scheduling_delay_seconds weft_suspended_tasks_by_kind weft_live_tasks weft_open_fds"
                            " weft_stalls weft_timers_armed";
    EXPECT_EQ(std::system(cmd.c_str()), 0) << text;
}

WEFT_IO_TEST_SUITE(metrics);

}  // namespace

int main(int argc, char** argv) {
    ::testing::InitGoogleTest(&argc, argv);
    if (argc > 2) {
        g_python = argv[1];
        g_checker = argv[2];
    }
    return RUN_ALL_TESTS();
}
