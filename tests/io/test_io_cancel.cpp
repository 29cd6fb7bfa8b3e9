// Cancellation and closing under both drivers: a cancelled read or write leaves the
// driver before the task resumes (nothing leaks, nothing is written into freed memory —
// ASan checks), data that arrived is never swallowed, and closing a descriptor ends the
// ops waiting on it.
#include <fcntl.h>

#include <array>
#include <atomic>
#include <thread>

#include <weft/async_fd.hpp>
#include <weft/sleep.hpp>
#include <weft/timeout.hpp>
#include <weft/yield.hpp>

#include "io_test_support.hpp"

namespace {

using namespace std::chrono_literals;
using weft::async_fd;
using weft::task;

class io_cancel : public weft::test::io_test {};
WEFT_IO_TEST_SUITE(io_cancel);

task<std::size_t> read_some(async_fd* in, std::atomic<bool>* started) {
    std::array<std::byte, 64> buf;  // in the frame: the kernel must be done with it before we resume
    started->store(true);
    co_return co_await in->read_some(buf);
}

task<void> until(std::atomic<bool>* flag) {
    for (int i = 0; i < 10'000 && !flag->load(); ++i) co_await weft::sleep_for(1ms);
}

TEST_P(io_cancel, cancelling_a_pending_read_leaves_no_trace) {
    const int fds_before = weft::test::open_fds();
    for (std::uint32_t n : {1u, 2u}) {
        weft::runtime rt(config(n));
        auto run = []() -> task<void> {
            auto [in, out] = weft::make_pipe();
            for (int round = 0; round < 50; ++round) {
                std::atomic<bool> started{false};
                auto h = weft::spawn(read_some(&in, &started));
                co_await until(&started);
                co_await weft::sleep_for(1ms);  // let it reach the driver
                h.cancel();
                try {
                    co_await h;
                    ADD_FAILURE() << "a read with no data finished";
                } catch (const weft::cancelled_error&) {
                }
            }
            // The pipe still works, and the next reader gets the data.
            co_await out.write_all(weft::as_bytes("after"));
            std::array<std::byte, 16> buf;
            EXPECT_EQ(co_await in.read_some(buf), 5u);
        };
        rt.block_on(run());
    }
    EXPECT_EQ(weft::test::open_fds(), fds_before);
}

TEST_P(io_cancel, cancelling_a_pending_write_on_a_full_pipe) {
    weft::runtime rt(config(2));
    auto run = []() -> task<void> {
        auto [in, out] = weft::make_pipe();
        std::vector<std::byte> chunk(65536);
        // Fill the pipe without waiting.
        while (::write(out.native_handle(), chunk.data(), chunk.size()) > 0) {
        }
        auto writer = [](async_fd* o, std::atomic<bool>* started) -> task<std::size_t> {
            std::vector<std::byte> big(1 << 20, std::byte{1});
            started->store(true);
            co_return co_await o->write_some(big);
        };
        std::atomic<bool> started{false};
        auto h = weft::spawn(writer(&out, &started));
        co_await until(&started);
        co_await weft::sleep_for(2ms);
        h.cancel();
        EXPECT_THROW(co_await h, weft::cancelled_error);
        // Draining the pipe shows only the bytes written before (all zero).
        std::vector<std::byte> buf(65536);
        ::fcntl(in.native_handle(), F_SETFL, O_NONBLOCK);
        ssize_t r;
        while ((r = ::read(in.native_handle(), buf.data(), buf.size())) > 0)
            for (ssize_t i = 0; i < r; ++i) EXPECT_EQ(buf[static_cast<std::size_t>(i)], std::byte{0});
    };
    rt.block_on(run());
}

TEST_P(io_cancel, timeout_around_a_read) {
    weft::runtime rt(config(1));
    auto run = []() -> task<void> {
        auto [in, out] = weft::make_pipe();
        std::array<std::byte, 8> buf;
        auto slow = [](async_fd* i, std::span<std::byte> b) -> task<std::size_t> {
            co_return co_await i->read_some(b);
        };
        EXPECT_THROW(co_await weft::timeout(10ms, slow(&in, buf)), weft::timeout_error);
        co_await out.write_all(weft::as_bytes("ok"));
        EXPECT_EQ(co_await weft::timeout(5s, slow(&in, buf)), 2u);
    };
    rt.block_on(run());
}

TEST_P(io_cancel, closing_a_descriptor_ends_the_ops_waiting_on_it) {
    weft::runtime rt(config(2));
    auto run = []() -> task<void> {
        auto [in, out] = weft::make_pipe();
        std::atomic<bool> started{false};
        auto h = weft::spawn(read_some(&in, &started));
        co_await until(&started);
        co_await weft::sleep_for(2ms);
        in.close();
        try {
            co_await h;
            ADD_FAILURE() << "read on a closed descriptor finished";
        } catch (const weft::system_error& e) {
            EXPECT_EQ(e.code().value(), ECANCELED) << e.what();
        }
        // Later ops on a closed async_fd fail at once.
        std::array<std::byte, 4> buf;
        EXPECT_THROW(co_await in.read_some(buf), weft::system_error);
    };
    rt.block_on(run());
}

TEST_P(io_cancel, many_cancelled_readers_across_workers) {
    const int fds_before = weft::test::open_fds();
    auto rt = std::make_unique<weft::runtime>(config(2));
    auto run = []() -> task<void> {
        std::vector<weft::pipe_ends> pipes;
        for (int i = 0; i < 100; ++i) pipes.push_back(weft::make_pipe());
        std::atomic<bool> flags[100];
        std::vector<weft::join_handle<std::size_t>> hs;
        for (int i = 0; i < 100; ++i) {
            flags[i] = false;
            hs.push_back(weft::spawn(read_some(&pipes[static_cast<std::size_t>(i)].read_end, &flags[i])));
        }
        for (auto& f : flags) co_await until(&f);
        // Half get data, half are cancelled: data is never swallowed by a cancel.
        for (int i = 0; i < 100; ++i) {
            if (i % 2) co_await pipes[static_cast<std::size_t>(i)].write_end.write_all(weft::as_bytes("z"));
            hs[static_cast<std::size_t>(i)].cancel();
        }
        int got = 0, cancelled = 0;
        for (auto& h : hs) {
            try {
                got += static_cast<int>(co_await h);
            } catch (const weft::cancelled_error&) {
                ++cancelled;
            }
        }
        EXPECT_EQ(got + cancelled, 100);
        EXPECT_GE(cancelled, 50);
        // A byte not returned to a reader is still in its pipe.
        int left = 0;
        for (int i = 1; i < 100; i += 2) {
            char c;
            ::fcntl(pipes[static_cast<std::size_t>(i)].read_end.native_handle(), F_SETFL, O_NONBLOCK);
            left += ::read(pipes[static_cast<std::size_t>(i)].read_end.native_handle(), &c, 1) == 1;
        }
        EXPECT_EQ(got + left, 50);
    };
    rt->block_on(run());
    rt.reset();
    EXPECT_EQ(weft::test::open_fds(), fds_before);
}

TEST_P(io_cancel, shutdown_with_reads_pending) {
    const int fds_before = weft::test::open_fds();
    {
        auto p = std::make_shared<std::vector<weft::pipe_ends>>();  // outlives the runtime
        for (int i = 0; i < 20; ++i) p->push_back(weft::make_pipe());
        weft::runtime rt(config(2));
        auto run = [](std::shared_ptr<std::vector<weft::pipe_ends>> pipes) -> task<void> {
            std::atomic<bool> started{false};
            for (auto& pe : *pipes) (void)weft::spawn(read_some(&pe.read_end, &started));  // detached
            co_await until(&started);
            co_await weft::sleep_for(2ms);
        };
        rt.block_on(run(p));
        // rt is destroyed with 20 reads pending: the drivers give up their buffers first.
    }
    EXPECT_EQ(weft::test::open_fds(), fds_before);
}

}  // namespace
