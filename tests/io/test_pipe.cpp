// Pipes and socketpairs under both drivers: ping-pong, large transfers with checksums,
// reads that complete at once and reads that wait, vectored I/O, end of file.
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <climits>
#include <cstring>
#include <atomic>

#include <weft/async_fd.hpp>
#include <weft/sleep.hpp>
#include <weft/when_all.hpp>

#include "io_test_support.hpp"

namespace {

using namespace std::chrono_literals;
using weft::async_fd;
using weft::task;

class pipe_io : public weft::test::io_test {};
WEFT_IO_TEST_SUITE(pipe_io);

task<int> pong(async_fd in, async_fd out, int rounds) {
    std::array<std::byte, 4> buf;
    for (int i = 0; i < rounds; ++i) {
        co_await in.read_exact(buf);
        co_await out.write_all(buf);
    }
    co_return rounds;
}

task<int> ping(async_fd& in, async_fd& out, int rounds) {
    std::array<std::byte, 4> buf;
    for (int i = 0; i < rounds; ++i) {
        std::array<std::byte, 4> msg;
        std::memcpy(msg.data(), &i, 4);
        co_await out.write_all(msg);
        co_await in.read_exact(buf);
        int back;
        std::memcpy(&back, buf.data(), 4);
        if (back != i) throw std::runtime_error("ping-pong out of order");
    }
    co_return rounds;
}

task<int> ping_pong(int rounds, bool sockets) {
    async_fd a_in, a_out, b_in, b_out;
    if (sockets) {
        int sv[2];
        if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) throw std::runtime_error("socketpair");
        a_in = async_fd(sv[0]);
        b_in = async_fd(sv[1]);
        a_out = async_fd(::dup(sv[0]));
        b_out = async_fd(::dup(sv[1]));
    } else {
        auto p1 = weft::make_pipe();
        auto p2 = weft::make_pipe();
        a_out = std::move(p1.write_end);
        b_in = std::move(p1.read_end);
        b_out = std::move(p2.write_end);
        a_in = std::move(p2.read_end);
    }
    auto other = weft::spawn(pong(std::move(b_in), std::move(b_out), rounds));
    int mine = co_await ping(a_in, a_out, rounds);
    int theirs = co_await other;
    co_return mine + theirs;
}

TEST_P(pipe_io, ping_pong_over_pipes_and_socketpairs) {
    for (std::uint32_t n : {1u, 2u}) {
        weft::runtime rt(config(n));
        EXPECT_EQ(rt.block_on(ping_pong(2000, false)), 4000);
        EXPECT_EQ(rt.block_on(ping_pong(2000, true)), 4000);
    }
}

task<std::uint64_t> drain(async_fd in, std::size_t* total) {
    std::vector<std::byte> buf(64 * 1024 + 7);
    std::uint64_t h = weft::test::checksum({});
    while (std::size_t n = co_await in.read_some(buf)) {
        h = weft::test::checksum(std::span(buf.data(), n), h);
        *total += n;
    }
    co_return h;
}

task<void> feed(async_fd out, const std::vector<std::byte>* data) {
    // Uneven chunks, so reads and writes do not line up.
    std::size_t off = 0, step = 1;
    while (off < data->size()) {
        std::size_t n = std::min(step, data->size() - off);
        co_await out.write_all(std::span(data->data() + off, n));
        off += n;
        step = step * 3 % 200'003 + 1;
    }
}

TEST_P(pipe_io, large_transfer_arrives_intact) {
    auto data = weft::test::random_bytes(16 << 20, 7);
    for (std::uint32_t n : {1u, 2u}) {
        weft::runtime rt(config(n));
        std::size_t total = 0;
        auto run = [&]() -> task<std::uint64_t> {
            auto [in, out] = weft::make_pipe();
            auto reader = weft::spawn(drain(std::move(in), &total));
            co_await feed(std::move(out), &data);  // closes the write end: EOF for the reader
            co_return co_await reader;
        };
        EXPECT_EQ(rt.block_on(run()), weft::test::checksum(data));
        EXPECT_EQ(total, data.size());
    }
}

TEST_P(pipe_io, reads_that_complete_at_once_and_reads_that_wait) {
    weft::runtime rt(config(2));
    auto run = []() -> task<void> {
        auto [in, out] = weft::make_pipe();
        co_await out.write_all(weft::as_bytes("ready"));
        std::array<std::byte, 16> buf;
        EXPECT_EQ(co_await in.read_some(buf), 5u);  // data already there
        auto late_writer = [](async_fd* o) -> task<void> {
            co_await weft::sleep_for(20ms);
            co_await o->write_all(weft::as_bytes("later"));
        };
        auto w = weft::spawn(late_writer(&out));
        EXPECT_EQ(co_await in.read_some(buf), 5u);  // waits for the writer
        co_await w;
        EXPECT_NE(co_await out.writable(), 0u);
        co_await out.write_all(weft::as_bytes("x"));
        EXPECT_NE(co_await in.readable(), 0u);
        out.close();
        EXPECT_EQ(co_await in.read_some(buf), 1u);
        EXPECT_EQ(co_await in.read_some(buf), 0u);  // end of file
    };
    rt.block_on(run());
}

// Writes into a non-blocking pipe until it is full; the bytes written.
std::size_t fill(async_fd& out, std::size_t at_most = SIZE_MAX) {
    std::vector<std::byte> zeros(4096);
    std::size_t n = 0;
    while (n < at_most) {
        ssize_t r = ::write(out.native_handle(), zeros.data(), std::min(zeros.size(), at_most - n));
        if (r <= 0) break;
        n += static_cast<std::size_t>(r);
    }
    return n;
}

// write_all's paths: the first write takes everything, it takes a part (the rest after
// waiting for room), it would block (waits at once); a write_all cancelled while it
// waits; a closed descriptor (EBADF) and an empty buffer.
TEST_P(pipe_io, write_all_at_once_after_a_short_write_and_after_waiting) {
    weft::runtime rt(config(2));
    auto run = []() -> task<void> {
        auto [in, out] = weft::make_pipe();
        auto write_all = [](async_fd* o, std::span<const std::byte> b) -> task<void> { co_await o->write_all(b); };
        // Reads n bytes: those of `filler` zeros, then `data`.
        auto expect = [](async_fd* i, std::size_t filler, std::span<const std::byte> data) -> task<void> {
            std::vector<std::byte> got(filler + data.size());
            co_await i->read_exact(got);
            std::vector<std::byte> want(filler);
            want.insert(want.end(), data.begin(), data.end());
            EXPECT_EQ(weft::test::checksum(got), weft::test::checksum(want));
        };
        // All at once: the pipe (64 KiB) is empty.
        auto first = weft::test::random_bytes(48 << 10, 1);
        co_await out.write_all(first);
        co_await expect(&in, 0, first);
        // A short write: 16 KiB of room for 100 KiB, the rest after waiting for the reader.
        const std::size_t filler = fill(out, 48 << 10);
        auto second = weft::test::random_bytes(100 << 10, 2);
        auto w = weft::spawn(write_all(&out, second));
        co_await weft::sleep_for(5ms);
        EXPECT_FALSE(w.is_finished());
        co_await expect(&in, filler, second);
        co_await w;
        // No room at all.
        const std::size_t full = fill(out);
        auto third = weft::test::random_bytes(10 << 10, 3);
        w = weft::spawn(write_all(&out, third));
        co_await weft::sleep_for(5ms);
        EXPECT_FALSE(w.is_finished());
        co_await expect(&in, full, third);
        co_await w;
        // Cancelled while waiting: the write_all ends with cancelled_error; what went out
        // is a prefix of the buffer (here nothing: the pipe stays full until the cancel).
        const std::size_t full2 = fill(out);
        std::vector<std::byte> ones(1 << 20, std::byte{1});
        w = weft::spawn(write_all(&out, ones));
        co_await weft::sleep_for(5ms);
        w.cancel();
        EXPECT_THROW(co_await w, weft::cancelled_error);
        co_await expect(&in, full2, {});
        char c;
        EXPECT_EQ(::read(in.native_handle(), &c, 1), -1);  // EAGAIN: nothing more
        // An empty buffer is nothing at all, even on a closed descriptor; else EBADF.
        out.close();
        co_await out.write_all(std::span<const std::byte>{});
        try {
            co_await out.write_all(weft::as_bytes("x"));
            ADD_FAILURE() << "write_all on a closed descriptor succeeded";
        } catch (const weft::system_error& e) {
            EXPECT_EQ(e.code().value(), EBADF) << e.what();
        }
    };
    rt.block_on(run());
}

TEST_P(pipe_io, vectored_reads_and_writes) {
    weft::runtime rt(config(1));
    auto run = []() -> task<void> {
        auto [in, out] = weft::make_pipe();
        std::string a = "hello ", b = "vectored ", c = "world";
        iovec w[3] = {{a.data(), a.size()}, {b.data(), b.size()}, {c.data(), c.size()}};
        EXPECT_EQ(co_await out.write_some(w), a.size() + b.size() + c.size());
        char x[6], y[14];
        iovec r[2] = {{x, sizeof x}, {y, sizeof y}};
        EXPECT_EQ(co_await in.read_some(r), 20u);
        EXPECT_EQ(std::string(x, 6) + std::string(y, 14), "hello vectored world");
    };
    rt.block_on(run());
}

TEST_P(pipe_io, errors_name_the_call) {
    weft::runtime rt(config(1));
    auto run = []() -> task<void> {
        auto [in, out] = weft::make_pipe();
        in.close();
        try {
            co_await out.write_all(weft::as_bytes("nobody reads"));
            ADD_FAILURE() << "write to a closed pipe succeeded";
        } catch (const weft::system_error& e) {
            EXPECT_EQ(e.code().value(), EPIPE);
            EXPECT_NE(std::string(e.what()).find("write"), std::string::npos) << e.what();
        }
    };
    ::signal(SIGPIPE, SIG_IGN);
    rt.block_on(run());
    EXPECT_THROW(async_fd(-1), weft::system_error);
    EXPECT_THROW(async_fd(100000), weft::system_error);
}

TEST(pipe_io_off_runtime, awaiting_off_a_worker_is_a_clear_error) {
    auto [in, out] = weft::make_pipe();
    EXPECT_THROW(weft::current_io_driver(), weft::error);
}

}  // namespace
