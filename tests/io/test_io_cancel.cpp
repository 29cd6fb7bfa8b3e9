// Cancellation and closing under both drivers: a cancelled read or write leaves the
// driver before the task resumes (nothing leaks, nothing is written into freed memory —
// ASan checks), data that arrived is never swallowed, closing a descriptor ends the ops
// waiting on it, and a cancel racing the queueing of a wait, or data, is never lost.
#include <fcntl.h>

#include <array>
#include <atomic>
#include <thread>

#include <weft/async_fd.hpp>
#include <weft/sleep.hpp>
#include <weft/timeout.hpp>
#include <weft/yield.hpp>

#include "fd_state.hpp"  // the descriptor's lock: held by two tests below to line up a race
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

// Runs `steps` on a plain thread (never a worker: a worker may be the one held at the
// lock) and waits for it without blocking the workers.
template <class F>
task<void> on_thread(F steps) {
    std::atomic<bool> done{false};
    auto body = [&steps, &done] {
        steps();
        done.store(true);
    };
    std::thread t(body);
    while (!done.load()) co_await weft::sleep_for(1ms);
    t.join();
}

// A cancel that comes after the reader installed its canceller but before its wait is
// queued is not lost. The reader is held at the descriptor's lock between the two (we hold
// it); the cancel (which under epoll needs that lock too) is made meanwhile, and then the
// two take the lock in either order. Before the fix, when the cancel took it first it
// found nothing queued, and the read then waited for data that never came.
TEST_P(io_cancel, a_cancel_racing_the_queueing_of_a_wait_is_not_lost) {
    weft::runtime rt(config(2));
    auto run = []() -> task<void> {
        int lost = 0;
        for (int round = 0; round < 16; ++round) {
            auto [in, out] = weft::make_pipe();
            weft::detail::fd_state* s = in.state();
            s->lock.lock();
            std::atomic<bool> started{false};
            auto h = weft::spawn(read_some(&in, &started));
            auto steps = [s, &h] {
                std::this_thread::sleep_for(3ms);  // the reader reaches the lock
                auto cancel = [&h] { h.cancel(); };
                std::thread canceller(cancel);
                std::this_thread::sleep_for(3ms);  // the cancel reaches it too (epoll)
                s->lock.unlock();
                canceller.join();
            };
            co_await on_thread(steps);
            for (int i = 0; i < 1000 && !h.is_finished(); ++i) co_await weft::sleep_for(1ms);
            if (!h.is_finished()) {
                ++lost;
                co_await out.write_all(weft::as_bytes("x"));  // let it end
            }
            try {
                (void)co_await h;
                ADD_FAILURE() << "round " << round << ": a cancelled read with no data finished";
            } catch (const weft::cancelled_error&) {
            }
        }
        EXPECT_EQ(lost, 0);
    };
    rt.block_on(run());
}

// Data and a cancel reach a waiting reader together (both held at the descriptor's lock,
// then let go at once), and the descriptor is closed as soon as the reader is done: either
// the read returns the byte or it is cancelled and the byte is still in the pipe. (Under
// epoll this is the path where the op leaves its queue while the cancel holds its
// canceller, and keeps the descriptor alive for it; ASan and TSan watch the close.)
TEST_P(io_cancel, data_and_a_cancel_racing_for_a_waiting_read_lose_no_byte) {
    const int fds_before = weft::test::open_fds();
    {
        weft::runtime rt(config(2));
        auto run = []() -> task<void> {
            int got = 0, cancelled = 0;
            for (int round = 0; round < 16; ++round) {
                auto [in, out] = weft::make_pipe();
                std::atomic<bool> started{false};
                auto h = weft::spawn(read_some(&in, &started));
                co_await until(&started);
                co_await weft::sleep_for(2ms);  // waiting in the driver
                weft::detail::fd_state* s = in.state();
                const int w = out.native_handle();
                auto steps = [s, w, &h] {
                    s->lock.lock();
                    if (::write(w, "z", 1) != 1) ADD_FAILURE() << "write";
                    std::this_thread::sleep_for(3ms);  // the readiness event reaches the lock (epoll)
                    auto cancel = [&h] { h.cancel(); };
                    std::thread canceller(cancel);
                    std::this_thread::sleep_for(3ms);  // so does the cancel
                    s->lock.unlock();
                    canceller.join();
                };
                co_await on_thread(steps);
                int left = 0;
                try {
                    got += static_cast<int>(co_await h);
                } catch (const weft::cancelled_error&) {
                    ++cancelled;
                    char c;
                    left = ::read(in.native_handle(), &c, 1) == 1;
                    EXPECT_EQ(left, 1) << "round " << round << ": a cancelled read swallowed the byte";
                }
                in.close();
            }
            EXPECT_EQ(got + cancelled, 16);
        };
        rt.block_on(run());
    }
    EXPECT_EQ(weft::test::open_fds(), fds_before);
}

}  // namespace
