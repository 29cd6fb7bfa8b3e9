// The reactors: I/O of a worker stuck in a long CPU loop still completes (an idle worker
// polls its reactor), the auto driver falls back to epoll when io_uring setup fails, and
// asking for io_uring where it is unavailable is a clear error.
#include <atomic>
#include <chrono>
#include <thread>

#include <weft/async_fd.hpp>
#include <weft/sleep.hpp>
#include <weft/yield.hpp>

#include "io_test_support.hpp"
#include "reactor.hpp"

namespace {

using namespace std::chrono_literals;
using weft::async_fd;
using weft::task;
using clock_type = std::chrono::steady_clock;

class reactor_io : public weft::test::io_test {};
WEFT_IO_TEST_SUITE(reactor_io);

// The reader starts its read on the hog's worker (spawned there, it runs first from the
// LIFO slot while the hog yields), then the hog spins for 200 ms without suspending.
void expect_io_to_complete_while_its_worker_is_stuck(const weft::runtime_config& cfg) {
    weft::runtime rt(cfg);
    std::atomic<std::int64_t> read_done_at{0}, hog_done_at{0};
    auto ns = [] { return clock_type::now().time_since_epoch().count(); };
    auto run = [&]() -> task<void> {
        auto [in, out] = weft::make_pipe();
        std::atomic<bool> reading{false};
        auto reader = [&](async_fd* i) -> task<void> {
            std::array<std::byte, 8> buf;
            reading = true;
            co_await i->read_some(buf);
            read_done_at = ns();
        };
        auto hog = [&](async_fd* i) -> task<void> {
            auto r = weft::spawn(reader(i));
            while (!reading) co_await weft::yield_now();
            auto end = clock_type::now() + 200ms;
            while (clock_type::now() < end) {
            }
            hog_done_at = ns();
            co_await r;
        };
        auto h = weft::spawn(hog(&in));
        while (!reading) co_await weft::sleep_for(1ms);
        co_await weft::sleep_for(5ms);
        co_await out.write_all(weft::as_bytes("wake"));
        co_await h;
    };
    rt.block_on(run());
    ASSERT_NE(read_done_at.load(), 0);
    // Ordering, not speed: the read finished while the hog was still spinning.
    EXPECT_LT(read_done_at.load(), hog_done_at.load());
}

TEST_P(reactor_io, io_completes_while_its_worker_is_stuck_in_a_long_task) {
    expect_io_to_complete_while_its_worker_is_stuck(config(2));
}

// Kernels before 5.19 refuse cooperative task running: the ring is set up without it (the
// kernel then interrupts a busy submitter to run its completions), and I/O works the same.
TEST(reactor_select, io_uring_without_cooperative_task_running) {
    if (weft::detail::probe_uring() != 0) GTEST_SKIP() << "io_uring is unavailable here";
    weft::detail::inject_uring_no_coop_taskrun(true);
    weft::runtime_config c;
    c.workers = 2;
    c.section<weft::io_config>().driver = weft::io_driver_kind::io_uring;
    expect_io_to_complete_while_its_worker_is_stuck(c);
    {
        weft::runtime rt(c);
        auto echo = []() -> task<std::size_t> {
            auto [in, out] = weft::make_pipe();
            co_await out.write_all(weft::as_bytes("abc"));
            std::array<std::byte, 8> b;
            co_return co_await in.read_some(b);
        };
        EXPECT_EQ(rt.block_on(echo()), 3u);
    }
    weft::detail::inject_uring_no_coop_taskrun(false);
}

// The same for a timer armed on the stuck worker: an idle worker fires it.
TEST_P(reactor_io, timers_fire_while_their_worker_is_stuck_in_a_long_task) {
    weft::runtime rt(config(2));
    std::atomic<std::int64_t> woke_at{0}, hog_done_at{0};
    auto ns = [] { return clock_type::now().time_since_epoch().count(); };
    auto run = [&]() -> task<void> {
        std::atomic<bool> sleeping{false};
        auto sleeper = [&]() -> task<void> {
            sleeping = true;
            co_await weft::sleep_for(10ms);
            woke_at = ns();
        };
        auto hog = [&]() -> task<void> {
            auto s = weft::spawn(sleeper());
            while (!sleeping) co_await weft::yield_now();
            auto end = clock_type::now() + 200ms;
            while (clock_type::now() < end) {
            }
            hog_done_at = ns();
            co_await s;
        };
        co_await weft::spawn(hog());
    };
    rt.block_on(run());
    EXPECT_LT(woke_at.load(), hog_done_at.load());
}

TEST(reactor_select, auto_falls_back_to_epoll_when_io_uring_setup_fails) {
    for (int err : {ENOSYS, EPERM, ENOMEM}) {
        weft::detail::inject_uring_setup_failure(err);
        weft::runtime_config c;
        c.workers = 2;
        c.section<weft::io_config>().driver = weft::io_driver_kind::automatic;
        {
            weft::runtime rt(c);
            auto kind = [&]() -> task<weft::io_driver_kind> { co_return weft::current_io_driver(); };
            EXPECT_EQ(rt.block_on(kind()), weft::io_driver_kind::epoll);
            // And I/O works.
            auto echo = []() -> task<std::size_t> {
                auto [in, out] = weft::make_pipe();
                co_await out.write_all(weft::as_bytes("abc"));
                std::array<std::byte, 8> b;
                co_return co_await in.read_some(b);
            };
            EXPECT_EQ(rt.block_on(echo()), 3u);
        }
        c.section<weft::io_config>().driver = weft::io_driver_kind::io_uring;
        try {
            weft::runtime rt(c);
            ADD_FAILURE() << "io_uring was asked for and refused, but the runtime started";
        } catch (const weft::system_error& e) {
            EXPECT_EQ(e.code().value(), err);
            EXPECT_NE(std::string(e.what()).find("io_uring"), std::string::npos) << e.what();
        }
    }
    weft::detail::inject_uring_setup_failure(0);
    weft::runtime_config c;
    c.workers = 1;
    weft::runtime rt(c);
    auto kind = [&]() -> task<weft::io_driver_kind> { co_return weft::current_io_driver(); };
    EXPECT_EQ(rt.block_on(kind()),
              weft::detail::probe_uring() == 0 ? weft::io_driver_kind::io_uring : weft::io_driver_kind::epoll);
}

TEST(reactor_select, driver_is_configurable_from_the_environment) {
    weft::runtime_config c;
    c.apply_env({{"WEFT_IO_DRIVER", "epoll"}, {"WEFT_IO_URING_ENTRIES", "64"}});
    EXPECT_EQ(c.section<weft::io_config>().driver, weft::io_driver_kind::epoll);
    EXPECT_EQ(c.section<weft::io_config>().uring_entries, 64u);
    EXPECT_THROW(c.apply_env({{"WEFT_IO_DRIVER", "kqueue"}}), weft::config_error);
    EXPECT_THROW(c.apply_env({{"WEFT_IO_URING_ENTRIES", "100"}}), weft::config_error);  // not a power of two
}

}  // namespace
