// test_stall.cpp — the stall detector: a task blocking its worker is reported with its spawn
// site and a backtrace that shows the blocking call; scheduling delay is reported; a
// well-behaved load (W1-W4 shapes) is not; the configuration keys.
#include <gtest/gtest.h>

#include <csignal>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <weft/channel.hpp>
#include <weft/config.hpp>
#include <weft/error.hpp>
#include <weft/runtime.hpp>
#include <weft/sleep.hpp>
#include <weft/yield.hpp>

#include "../io/io_test_support.hpp"

namespace {

using namespace std::chrono_literals;

// Captures what the "weft" logger writes while it lives.
class log_capture {
public:
    log_capture() : logger_(spdlog::get("weft")) {
        if (logger_) logger_->sinks().push_back(sink_);
    }
    ~log_capture() {
        if (logger_) logger_->sinks().pop_back();
    }
    std::string text() {
        if (logger_) logger_->flush();
        return out_->str();
    }

private:
    std::shared_ptr<spdlog::logger> logger_;
    std::shared_ptr<std::ostringstream> out_ = std::make_shared<std::ostringstream>();
    std::shared_ptr<spdlog::sinks::ostream_sink_mt> sink_ = std::make_shared<spdlog::sinks::ostream_sink_mt>(*out_);
};

// Blocks its worker: exactly what a task must never do.
weft::task<> blocking_task(std::chrono::milliseconds d) {
    std::this_thread::sleep_for(d);
    co_return;
}

class stall : public weft::test::io_test {};

TEST_P(stall, a_task_blocking_its_worker_is_reported_with_site_and_backtrace) {
    auto cfg = config(2);
    cfg.stall_threshold_ms = 50;
    weft::runtime rt(cfg);
    log_capture log;
    // clang-format off
    auto h = rt.spawn(blocking_task(400ms), weft::task_name{"blocker"}); const unsigned line = __LINE__;
    // clang-format on
    rt.block_on([](weft::join_handle<>* h) -> weft::task<> { co_await *h; }(&h));
    std::string text;
    for (int i = 0; i < 100; ++i) {  // the report is written by the watchdog thread
        text = log.text();
        if (text.find("backtrace") != std::string::npos) break;
        std::this_thread::sleep_for(10ms);
    }
    EXPECT_NE(text.find("stall: worker"), std::string::npos) << text;
    EXPECT_NE(text.find("\"blocker\" spawned at"), std::string::npos) << text;
    EXPECT_NE(text.find("test_stall.cpp:" + std::to_string(line)), std::string::npos) << text;
    // The blocking frame: std::this_thread::sleep_for ends in nanosleep (libc) or
    // std::this_thread::__sleep_for (libstdc++).
    EXPECT_TRUE(text.find("nanosleep") != std::string::npos || text.find("sleep_for") != std::string::npos) << text;
    EXPECT_GE(rt.metrics().stalls, 1u);
    EXPECT_NE(rt.metrics().to_text().find("stalls="), std::string::npos);
}

TEST_P(stall, a_woken_task_that_waits_too_long_to_run_is_reported) {
    auto cfg = config(1);
    cfg.stall_threshold_ms = 40;
    weft::runtime rt(cfg);
    log_capture log;
    // One worker, blocked for 300 ms: the watchdog's probe (and every woken task) waits.
    auto h = rt.spawn(blocking_task(300ms));
    rt.block_on([](weft::join_handle<>* h) -> weft::task<> {
        co_await *h;
        co_await weft::sleep_for(100ms);  // let the probe that waited run and report
    }(&h));
    std::string text;
    for (int i = 0; i < 100 && rt.metrics().scheduling_delays == 0; ++i) std::this_thread::sleep_for(10ms);
    text = log.text();
    EXPECT_GE(rt.metrics().scheduling_delays, 1u) << text;
    EXPECT_NE(text.find("scheduling delay"), std::string::npos) << text;
}

// ---- a well-behaved load (the shapes of weft-bench W1-W4, scaled down) ----

weft::task<> empty_task() { co_return; }
weft::task<std::uint64_t> fork(int depth) {
    if (depth == 0) co_return 1;
    auto a = weft::spawn(fork(depth - 1));
    auto b = weft::spawn(fork(depth - 1));
    co_return 1 + co_await a + co_await b;
}
weft::task<> yielder(int n) {
    for (int i = 0; i < n; ++i) co_await weft::yield_now();
}
weft::task<> pinger(weft::channel<int>* to, weft::channel<int>* from, int n) {
    for (int i = 0; i < n; ++i) {
        co_await to->send(i);
        (void)co_await from->recv();
    }
}
weft::task<> ponger(weft::channel<int>* from, weft::channel<int>* to, int n) {
    for (int i = 0; i < n; ++i) co_await to->send(*co_await from->recv());
}
weft::task<> load() {
    std::vector<weft::join_handle<>> hs;
    for (int i = 0; i < 100'000; ++i) hs.push_back(weft::spawn(empty_task()));  // W1
    for (auto& h : hs) co_await h;
    EXPECT_EQ(co_await weft::spawn(fork(14)), (1u << 15) - 1);  // W2
    hs.clear();
    for (int i = 0; i < 200; ++i) hs.push_back(weft::spawn(yielder(500)));  // W3
    for (auto& h : hs) co_await h;
    weft::channel<int> a(1), b(1);  // W4
    auto p = weft::spawn(pinger(&a, &b, 50'000));
    auto q = weft::spawn(ponger(&a, &b, 50'000));
    co_await p;
    co_await q;
}

TEST_P(stall, a_well_behaved_load_produces_no_stall_report) {
    auto cfg = config(2);
    // The threshold is above what a loaded test machine's scheduler may take a worker
    // away for (the detector cannot tell preemption from blocking); the load's tasks each
    // run for microseconds.
    cfg.stall_threshold_ms = 250;
    weft::runtime rt(cfg);
    log_capture log;
    rt.block_on(load());
    const std::string text = log.text();
    EXPECT_EQ(text.find("stall:"), std::string::npos) << text;
    EXPECT_EQ(rt.metrics().stalls, 0u);
}

WEFT_IO_TEST_SUITE(stall);

// ---- configuration ----

TEST(stall_config, keys_from_the_environment_and_their_errors) {
    weft::runtime_config c;
    c.apply_env({{"WEFT_STALL_THRESHOLD_MS", "250"}, {"WEFT_DUMP_SIGNAL", "SIGUSR2"}});
    EXPECT_EQ(c.stall_threshold_ms, 250u);
    EXPECT_EQ(c.resolved_stall_threshold_ms(), 250u);
    EXPECT_EQ(c.dump_signal, SIGUSR2);
    c.apply_env({{"WEFT_STALL_THRESHOLD_MS", "0"}, {"WEFT_DUMP_SIGNAL", "off"}});
    EXPECT_EQ(c.resolved_stall_threshold_ms(), 0u);
    EXPECT_EQ(c.dump_signal, 0);
    EXPECT_THROW(c.apply_env({{"WEFT_STALL_THRESHOLD_MS", "abc"}}), weft::config_error);
    try {
        c.apply_env({{"WEFT_DUMP_SIGNAL", "SIGINT"}});
        ADD_FAILURE() << "SIGINT accepted";
    } catch (const weft::config_error& e) {
        EXPECT_NE(std::string(e.what()).find("WEFT_DUMP_SIGNAL"), std::string::npos) << e.what();
    }
    weft::runtime_config d;
#if defined(NDEBUG) || defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
    EXPECT_EQ(d.resolved_stall_threshold_ms(), 0u);
#else
    EXPECT_EQ(d.resolved_stall_threshold_ms(), 100u);
#endif
    d.dump_signal = SIGINT;
    EXPECT_THROW(d.validate(), weft::config_error);
}

}  // namespace
