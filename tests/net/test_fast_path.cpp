// The network fast path under both drivers: io_uring's multishot receive with provided
// buffers (exhaustion and refill, ENOBUFS while other connections hold every buffer,
// re-arming after the kernel ends it, cancellation of a waiting read and of the multishot
// itself at close), multishot accept (descriptors nobody accepted are closed with the
// listener), the fallback on kernels without provided buffer rings (one log line), and the
// connection-locality metric. Under epoll the same programs must behave the same way.
#include <netinet/in.h>
#include <poll.h>

#include <atomic>
#include <sstream>

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <weft/event.hpp>
#include <weft/io_metrics.hpp>
#include <weft/net/tcp.hpp>
#include <weft/sleep.hpp>
#include <weft/spawn_blocking.hpp>
#include <weft/timeout.hpp>
#include <weft/yield.hpp>

#include "../io/io_test_support.hpp"
#include "uring_buffers.hpp"
#include "uring_driver.hpp"

namespace {

using namespace std::chrono_literals;
using weft::task;
using weft::net::socket_address;
using weft::net::tcp_listener;
using weft::net::tcp_stream;

class fast_path : public weft::test::io_test {
protected:
    // Few, small provided buffers: a stream of any size exhausts them.
    weft::runtime_config small_buffers(std::uint32_t workers, std::uint32_t count = 2, std::uint32_t size = 64) const {
        weft::runtime_config c = config(workers);
        c.section<weft::io_config>().uring_recv_buffers = count;
        c.section<weft::io_config>().uring_recv_buffer_size = size;
        return c;
    }
    bool uring() const { return GetParam() == weft::io_driver_kind::io_uring; }
};
WEFT_IO_TEST_SUITE(fast_path);

socket_address loopback() { return {weft::net::ip_address::parse("127.0.0.1"), 0}; }

struct conn_pair {
    tcp_stream server;
    tcp_stream client;
};

task<conn_pair> connect_pair(tcp_listener& l) {
    auto accepted = weft::spawn(l.accept());
    tcp_stream c = co_await tcp_stream::connect(l.local_address());
    tcp_stream s = co_await std::move(accepted);
    c.set_nodelay(true);
    s.set_nodelay(true);
    co_return conn_pair{std::move(s), std::move(c)};
}

// One read (errors give 0, as the end of the stream does).
task<std::size_t> read_once(tcp_stream& s) {
    std::array<std::byte, 8> b;
    std::error_code ec;
    co_return co_await s.read_some(b, ec);
}

// Reads until end of stream in pieces of `piece` bytes; the checksum of what arrived.
task<std::pair<std::size_t, std::uint64_t>> drain(tcp_stream& s, std::size_t piece) {
    std::vector<std::byte> buf(piece);
    std::uint64_t h = weft::test::checksum({});
    std::size_t total = 0;
    while (std::size_t n = co_await s.read_some(buf)) {
        h = weft::test::checksum(std::span(buf.data(), n), h);
        total += n;
    }
    co_return std::pair{total, h};
}

TEST_P(fast_path, a_stream_larger_than_every_buffer_arrives_whole_in_order) {
    weft::runtime rt(small_buffers(1));
    auto run = []() -> task<bool> {
        auto l = tcp_listener::bind(loopback());
        conn_pair p = co_await connect_pair(l);
        auto data = weft::test::random_bytes(256 * 1024, 7);
        auto writer = [](tcp_stream* s, const std::vector<std::byte>* d) -> task<void> {
            co_await s->write_all(*d);
            s->shutdown(weft::net::shutdown_how::send);
        };
        auto w = weft::spawn(writer(&p.client, &data));
        auto [total, h] = co_await drain(p.server, 100);  // reads smaller and larger than a buffer
        co_await std::move(w);
        co_return total == data.size() && h == weft::test::checksum(data);
    };
    EXPECT_TRUE(rt.block_on(run()));
    weft::io_metrics m = weft::io_metrics_of(rt);
    if (uring()) {
        // Two 64-byte buffers for 256 KiB: the kernel ran out of buffers and the receive was
        // armed again once reads gave them back.
        EXPECT_GE(m.multishot_arms, 2u);
        EXPECT_GE(m.buffer_exhaustions, 1u);
        EXPECT_GE(m.multishot_rearms, 1u);
    } else {
        EXPECT_EQ(m.multishot_arms, 0u);
    }
}

TEST_P(fast_path, a_connection_progresses_while_another_holds_every_buffer) {
    weft::runtime rt(small_buffers(1));
    auto run = []() -> task<bool> {
        auto l = tcp_listener::bind(loopback());
        conn_pair hog = co_await connect_pair(l);
        conn_pair busy = co_await connect_pair(l);
        // The hog's reader reads once (arming its multishot), then stops reading while its
        // peer has sent more than every buffer holds.
        auto hog_data = weft::test::random_bytes(4096, 1);
        co_await hog.client.write_all(hog_data);
        std::array<std::byte, 16> first;
        std::size_t got = co_await hog.server.read_some(first);
        std::uint64_t h = weft::test::checksum(std::span(first.data(), got));
        co_await weft::sleep_for(20ms);  // the rest arrives (into the buffers, under io_uring)
        // Meanwhile another connection echoes 50 round trips.
        for (int i = 0; i < 50; ++i) {
            auto msg = weft::test::random_bytes(32, static_cast<std::uint32_t>(i));
            co_await busy.client.write_all(msg);
            std::array<std::byte, 32> in;
            co_await busy.server.read_exact(in);
            if (std::memcmp(in.data(), msg.data(), msg.size()) != 0) co_return false;
        }
        // The hog's bytes are all there, in order.
        hog.client.shutdown(weft::net::shutdown_how::send);
        std::size_t rest = 0;
        std::uint64_t h2 = h;
        std::vector<std::byte> buf(1000);
        while (std::size_t n = co_await hog.server.read_some(buf)) {
            h2 = weft::test::checksum(std::span(buf.data(), n), h2);
            rest += n;
        }
        co_return got + rest == hog_data.size() && h2 == weft::test::checksum(hog_data);
    };
    EXPECT_TRUE(rt.block_on(run()));
    if (uring()) {
        EXPECT_GE(weft::io_metrics_of(rt).single_shot_reads, 1u);
    }
}

TEST_P(fast_path, a_cancelled_read_loses_no_bytes) {
    weft::runtime rt(config(2));
    auto run = []() -> task<std::string> {
        auto l = tcp_listener::bind(loopback());
        conn_pair p = co_await connect_pair(l);
        // Arm the receive, then cancel a read waiting on it.
        co_await p.client.write_all(weft::as_bytes("a"));
        std::array<std::byte, 8> b;
        std::size_t n = co_await p.server.read_some(b);
        auto waiting = [](tcp_stream* s) -> task<std::size_t> {
            std::array<std::byte, 8> buf;
            co_return co_await s->read_some(buf);
        };
        auto h = weft::spawn(waiting(&p.server));
        co_await weft::sleep_for(10ms);
        h.cancel();
        bool cancelled = false;
        try {
            co_await std::move(h);
        } catch (const weft::cancelled_error&) {
            cancelled = true;
        }
        co_await p.client.write_all(weft::as_bytes("bc"));
        std::array<std::byte, 8> rest;
        std::size_t m = co_await p.server.read_some(rest);
        co_return std::string(cancelled ? "cancelled " : "not cancelled ") +
            std::string(reinterpret_cast<const char*>(b.data()), n) +
            std::string(reinterpret_cast<const char*>(rest.data()), m);
    };
    EXPECT_EQ(rt.block_on(run()), "cancelled abc");
}

TEST_P(fast_path, closing_a_stream_ends_its_waiting_read_and_the_peer_sees_the_close) {
    weft::runtime rt(config(1));
    auto run = []() -> task<std::string> {
        auto l = tcp_listener::bind(loopback());
        conn_pair p = co_await connect_pair(l);
        co_await p.client.write_all(weft::as_bytes("x"));
        std::array<std::byte, 8> b;
        co_await p.server.read_some(b);  // the multishot is armed now (io_uring)
        auto waiting = [](tcp_stream* s) -> task<std::string> {
            std::array<std::byte, 8> buf;
            std::error_code ec;
            co_await s->read_some(buf, ec);
            co_return ec ? ec.message() : "no error";
        };
        auto h = weft::spawn(waiting(&p.server));
        co_await weft::sleep_for(10ms);
        p.server.close();
        std::string reader = co_await std::move(h);
        // The socket is really closed (the multishot holds no reference to it any more): the
        // peer reads the end of the stream.
        std::size_t n = co_await weft::timeout(2s, read_once(p.client));
        co_return reader + " / peer read " + std::to_string(n);
    };
    EXPECT_EQ(rt.block_on(run()), std::make_error_code(std::errc::operation_canceled).message() + " / peer read 0");
}

TEST_P(fast_path, readable_answers_from_what_the_multishot_received) {
    weft::runtime rt(config(1));
    auto run = []() -> task<std::size_t> {
        auto l = tcp_listener::bind(loopback());
        conn_pair p = co_await connect_pair(l);
        std::size_t total = 0;
        for (int i = 0; i < 20; ++i) {
            co_await p.client.write_all(weft::as_bytes("ping"));
            co_await p.server.fd().readable();
            std::array<std::byte, 16> b;
            total += co_await p.server.read_some(b);
        }
        p.client.shutdown(weft::net::shutdown_how::send);
        co_await p.server.fd().readable();  // the end of the stream is readable too
        std::array<std::byte, 16> b;
        total += co_await p.server.read_some(b);
        co_return total;
    };
    EXPECT_EQ(rt.block_on(run()), 80u);
}

TEST_P(fast_path, accepted_connections_nobody_took_are_closed_with_the_listener) {
    weft::runtime rt(config(1));
    const int before = weft::test::open_fds();
    auto run = []() -> task<int> {
        auto l = tcp_listener::bind(loopback());
        std::vector<tcp_stream> clients;
        auto first = weft::spawn(l.accept());  // arms the multishot accept (io_uring)
        for (int i = 0; i < 8; ++i) clients.push_back(co_await tcp_stream::connect(l.local_address()));
        tcp_stream one = co_await std::move(first);
        co_await weft::sleep_for(20ms);  // the others are accepted, unclaimed (io_uring)
        l.close();
        // Every client but the first sees its connection closed (or still pending in the
        // backlog, closed with it): a read gives 0 or ECONNRESET, never hangs.
        int ended = 0;
        for (std::size_t i = 1; i < clients.size(); ++i) {
            std::size_t n = co_await weft::timeout(2s, read_once(clients[i]));
            if (n == 0) ++ended;
        }
        co_return ended;
    };
    EXPECT_EQ(rt.block_on(run()), 7);
    EXPECT_EQ(weft::test::open_fds(), before);
    if (uring()) {
        EXPECT_GE(weft::io_metrics_of(rt).multishot_arms, 1u);
    }
}

TEST_P(fast_path, many_connections_accepted_and_echoed_through_the_multishot_paths) {
    weft::runtime rt(small_buffers(2, 16, 256));
    auto run = []() -> task<int> {
        auto l = tcp_listener::bind(loopback());
        auto server = [](tcp_listener* lst) -> task<void> {
            std::vector<weft::join_handle<void>> conns;
            for (int i = 0; i < 40; ++i) {
                auto echo = [](tcp_stream s) -> task<void> {
                    std::array<std::byte, 512> buf;
                    while (std::size_t n = co_await s.read_some(buf)) co_await s.write_all(std::span(buf.data(), n));
                };
                conns.push_back(weft::spawn(echo(co_await lst->accept())));
            }
            for (auto& c : conns) co_await c;
        };
        auto srv = weft::spawn(server(&l));
        auto client = [](socket_address to, std::uint32_t seed) -> task<bool> {
            tcp_stream s = co_await tcp_stream::connect(to);
            auto data = weft::test::random_bytes(20000, seed);
            auto w = [](tcp_stream* st, const std::vector<std::byte>* d) -> task<void> {
                co_await st->write_all(*d);
                st->shutdown(weft::net::shutdown_how::send);
            };
            auto wh = weft::spawn(w(&s, &data));
            auto [total, h] = co_await drain(s, 700);
            co_await std::move(wh);
            co_return total == data.size() && h == weft::test::checksum(data);
        };
        std::vector<weft::join_handle<bool>> cs;
        for (std::uint32_t i = 0; i < 40; ++i) cs.push_back(weft::spawn(client(l.local_address(), i)));
        int ok = 0;
        for (auto& c : cs) ok += (co_await c) ? 1 : 0;
        co_await std::move(srv);
        co_return ok;
    };
    EXPECT_EQ(rt.block_on(run()), 40);
    weft::io_metrics m = weft::io_metrics_of(rt);
    EXPECT_GT(m.fd_ops, 0u);
    EXPECT_LE(m.fd_ops_remote, m.fd_ops);
}

TEST_P(fast_path, a_connection_read_from_another_worker_keeps_its_bytes_and_counts_as_remote) {
    weft::runtime rt(config(2));
    auto run = []() -> task<bool> {
        auto l = tcp_listener::bind(loopback());
        conn_pair p = co_await connect_pair(l);
        auto data = weft::test::random_bytes(64 * 1024, 3);
        auto writer = [](tcp_stream* s, const std::vector<std::byte>* d) -> task<void> {
            co_await s->write_all(*d);
            s->shutdown(weft::net::shutdown_how::send);
        };
        auto w = weft::spawn(writer(&p.client, &data));
        std::vector<std::byte> buf(1000);
        std::uint64_t h = weft::test::checksum({});
        std::size_t total = 0;
        while (std::size_t n = co_await p.server.read_some(buf)) {
            h = weft::test::checksum(std::span(buf.data(), n), h);
            total += n;
            // Hop through the blocking pool: the task comes back on whichever worker takes
            // it, not necessarily the descriptor's home.
            co_await weft::spawn_blocking([] { return 0; });
        }
        co_await std::move(w);
        co_return total == data.size() && h == weft::test::checksum(data);
    };
    EXPECT_TRUE(rt.block_on(run()));
    weft::io_metrics m = weft::io_metrics_of(rt);
    EXPECT_GT(m.fd_ops, 0u);
    EXPECT_LE(m.fd_ops_remote, m.fd_ops);
}

TEST(fast_path_fallback, without_provided_buffer_rings_io_uring_logs_once_and_reads_each_op) {
    if (weft::detail::probe_uring() != 0) GTEST_SKIP() << "no io_uring here";
    auto logger = spdlog::get("weft");
    if (!logger) {
        weft::runtime warm_up;  // creates the "weft" logger
        logger = spdlog::get("weft");
    }
    ASSERT_TRUE(logger);
    auto out = std::make_shared<std::ostringstream>();
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(*out);
    logger->sinks().push_back(sink);
    weft::detail::reset_uring_feature_logs();
    weft::detail::inject_buffer_ring_failure(EINVAL);
    bool ok = false;
    weft::io_metrics m;
    {
        weft::runtime_config c;
        c.workers = 2;
        c.section<weft::io_config>().driver = weft::io_driver_kind::io_uring;
        weft::runtime rt(c);
        auto run = []() -> task<bool> {
            auto l = tcp_listener::bind(loopback());
            conn_pair p = co_await connect_pair(l);
            co_await p.client.write_all(weft::as_bytes("hello"));
            p.client.shutdown(weft::net::shutdown_how::send);
            auto [total, h] = co_await drain(p.server, 2);
            co_return total == 5 && h == weft::test::checksum(weft::as_bytes("hello"));
        };
        ok = rt.block_on(run());
        m = weft::io_metrics_of(rt);
    }
    weft::detail::inject_buffer_ring_failure(0);
    logger->sinks().pop_back();
    EXPECT_TRUE(ok);
    EXPECT_EQ(m.multishot_arms, 0u);
    const std::string log = out->str();
    std::size_t lines = 0;
    for (std::size_t at = log.find("provided buffer rings"); at != std::string::npos;
         at = log.find("provided buffer rings", at + 1))
        ++lines;
    EXPECT_EQ(lines, 1u) << log;
}

TEST(fast_path_fallback, a_kernel_refusing_multishot_receive_gets_plain_reads_and_one_log_line) {
    if (weft::detail::probe_uring() != 0) GTEST_SKIP() << "no io_uring here";
    auto logger = spdlog::get("weft");
    if (!logger) {
        weft::runtime warm_up;  // creates the "weft" logger
        logger = spdlog::get("weft");
    }
    ASSERT_TRUE(logger);
    auto out = std::make_shared<std::ostringstream>();
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(*out);
    logger->sinks().push_back(sink);
    weft::detail::reset_uring_feature_logs();
    weft::detail::inject_multishot_recv_einval(true);
    bool ok = false;
    weft::io_metrics m;
    {
        weft::runtime_config c;
        c.workers = 1;
        c.section<weft::io_config>().driver = weft::io_driver_kind::io_uring;
        weft::runtime rt(c);
        auto run = []() -> task<bool> {
            auto l = tcp_listener::bind(loopback());
            bool good = true;
            for (int i = 0; i < 3; ++i) {  // three streams, each waiting to read first
                conn_pair p = co_await connect_pair(l);
                auto reader = weft::spawn(drain(p.server, 3));
                co_await weft::sleep_for(5ms);
                co_await p.client.write_all(weft::as_bytes("hello"));
                p.client.shutdown(weft::net::shutdown_how::send);
                auto [total, h] = co_await std::move(reader);
                good = good && total == 5 && h == weft::test::checksum(weft::as_bytes("hello"));
            }
            co_return good;
        };
        ok = rt.block_on(run());
        m = weft::io_metrics_of(rt);
    }
    weft::detail::inject_multishot_recv_einval(false);
    logger->sinks().pop_back();
    EXPECT_TRUE(ok);
    EXPECT_GE(m.single_shot_reads, 1u);
    const std::string log = out->str();
    std::size_t lines = 0;
    for (std::size_t at = log.find("multishot receive unavailable"); at != std::string::npos;
         at = log.find("multishot receive unavailable", at + 1))
        ++lines;
    EXPECT_EQ(lines, 1u) << log;
}

TEST(fast_path_config, recv_buffer_keys_are_checked) {
    weft::runtime_config c;
    c.apply_env({{"WEFT_IO_URING_RECV_BUFFERS", "64"}, {"WEFT_IO_URING_RECV_BUFFER_SIZE", "2048"}});
    EXPECT_EQ(c.section<weft::io_config>().uring_recv_buffers, 64u);
    EXPECT_EQ(c.section<weft::io_config>().uring_recv_buffer_size, 2048u);
    c.apply_env({{"WEFT_IO_URING_RECV_BUFFERS", "0"}});
    EXPECT_EQ(c.section<weft::io_config>().uring_recv_buffers, 0u);
    EXPECT_THROW(c.apply_env({{"WEFT_IO_URING_RECV_BUFFERS", "100"}}), weft::config_error);  // not a power of two
    EXPECT_THROW(c.apply_env({{"WEFT_IO_URING_RECV_BUFFER_SIZE", "8"}}), weft::config_error);
}

}  // namespace
