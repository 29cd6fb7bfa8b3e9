// TCP over loopback under both drivers: many concurrent connections with checksums, a
// 100 MiB transfer, half-close, a peer reset mid-write, refused and timed-out connects,
// IPv6, buffered line reads, name resolution.
#include <netinet/in.h>
#include <sys/resource.h>

#include <atomic>

#include <thread>

#include <weft/net/buffered_reader.hpp>
#include <weft/net/resolve.hpp>
#include <weft/net/tcp.hpp>
#include <weft/sleep.hpp>
#include <weft/spawn_blocking.hpp>
#include <weft/timeout.hpp>
#include <weft/when_all.hpp>

#include "../io/io_test_support.hpp"

namespace {

using namespace std::chrono_literals;
using weft::task;
using weft::net::socket_address;
using weft::net::tcp_listener;
using weft::net::tcp_stream;

class tcp : public weft::test::io_test {};
WEFT_IO_TEST_SUITE(tcp);

socket_address any_port(const char* ip = "127.0.0.1") { return {weft::net::ip_address::parse(ip), 0}; }

// Echoes what it reads until the peer half-closes, then half-closes too.
task<void> echo_connection(tcp_stream s) {
    std::array<std::byte, 4096> buf;
    while (std::size_t n = co_await s.read_some(buf)) co_await s.write_all(std::span(buf.data(), n));
    s.shutdown(weft::net::shutdown_how::send);
}

task<void> accept_n(tcp_listener* l, int n) {
    std::vector<weft::join_handle<void>> conns;
    for (int i = 0; i < n; ++i) conns.push_back(weft::spawn(echo_connection(co_await l->accept())));
    for (auto& c : conns) co_await c;
}

// Sends `size` random bytes in uneven pieces while reading the echo; compares checksums.
task<bool> exchange(socket_address to, std::size_t size, std::uint32_t seed) {
    tcp_stream s = co_await tcp_stream::connect(to);
    s.set_nodelay(true);
    auto data = weft::test::random_bytes(size, seed);
    auto writer = [](tcp_stream* st, const std::vector<std::byte>* d) -> task<void> {
        co_await st->write_all(*d);
        st->shutdown(weft::net::shutdown_how::send);
    };
    auto w = weft::spawn(writer(&s, &data));
    std::uint64_t h = weft::test::checksum({});
    std::size_t total = 0;
    std::array<std::byte, 3000> buf;
    while (std::size_t n = co_await s.read_some(buf)) {
        h = weft::test::checksum(std::span(buf.data(), n), h);
        total += n;
    }
    co_await w;
    co_return total == size&& h == weft::test::checksum(data);
}

TEST_P(tcp, a_thousand_concurrent_connections_with_checksums) {
    rlimit rl;
    ::getrlimit(RLIMIT_NOFILE, &rl);
    if (rl.rlim_cur < 4096 && rl.rlim_max >= 4096) {
        rl.rlim_cur = 4096;
        ::setrlimit(RLIMIT_NOFILE, &rl);
    }
    weft::runtime rt(config(2));
    auto run = []() -> task<int> {
        auto l = tcp_listener::bind(any_port());
        auto server = weft::spawn(accept_n(&l, 1000));
        std::vector<task<bool>> clients;
        for (int i = 0; i < 1000; ++i)
            clients.push_back(
                exchange(l.local_address(), 1000 + static_cast<std::size_t>(i) * 37, static_cast<std::uint32_t>(i)));
        auto ok = co_await weft::when_all(std::move(clients));
        co_await server;
        co_return static_cast<int>(std::count(ok.begin(), ok.end(), true));
    };
    EXPECT_EQ(rt.block_on(run()), 1000);
}

TEST_P(tcp, hundred_mib_transfer_and_ipv6) {
    for (const char* ip : {"127.0.0.1", "::1"}) {
        weft::runtime rt(config(2));
        auto run = [](const char* host) -> task<bool> {
            auto l = tcp_listener::bind(any_port(host));
            EXPECT_EQ(l.local_address().ip().is_v6(), std::string(host) == "::1");
            auto server = weft::spawn(accept_n(&l, 1));
            bool ok = co_await exchange(l.local_address(), std::string(host) == "::1" ? (8 << 20) : (100 << 20), 5);
            co_await server;
            co_return ok;
        };
        EXPECT_TRUE(rt.block_on(run(ip))) << ip;
    }
}

TEST_P(tcp, half_close_and_peer_addresses) {
    weft::runtime rt(config(1));
    auto run = []() -> task<void> {
        auto l = tcp_listener::bind(any_port());
        auto accepting = weft::spawn(l.accept());
        tcp_stream c = co_await tcp_stream::connect(l.local_address());
        tcp_stream s = co_await accepting;
        EXPECT_EQ(c.peer_address(), l.local_address());
        EXPECT_EQ(s.peer_address(), c.local_address());
        c.shutdown(weft::net::shutdown_how::send);
        std::array<std::byte, 16> buf;
        EXPECT_EQ(co_await s.read_some(buf), 0u);  // EOF from the client's half-close
        co_await s.write_all(weft::as_bytes("still open"));
        s.close();
        co_await c.read_exact(std::span(buf.data(), 10));
        EXPECT_EQ(std::string(reinterpret_cast<char*>(buf.data()), 10), "still open");
        EXPECT_EQ(co_await c.read_some(buf), 0u);
    };
    rt.block_on(run());
}

TEST_P(tcp, peer_reset_mid_write_is_an_error_not_a_crash) {
    weft::runtime rt(config(2));
    auto run = []() -> task<void> {
        auto l = tcp_listener::bind(any_port());
        auto accepting = weft::spawn(l.accept());
        tcp_stream c = co_await tcp_stream::connect(l.local_address());
        tcp_stream s = co_await accepting;
        // The server resets the connection (linger 0) while the client writes a lot.
        auto writer = [](tcp_stream* st) -> task<int> {
            std::vector<std::byte> big(1 << 20);
            try {
                for (int i = 0; i < 1000; ++i) co_await st->write_all(big);
            } catch (const weft::system_error& e) {
                co_return e.code().value();
            }
            co_return 0;
        };
        auto w = weft::spawn(writer(&c));
        co_await weft::sleep_for(10ms);
        linger lg{1, 0};
        ::setsockopt(s.native_handle(), SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
        s.close();
        int err = co_await w;
        EXPECT_TRUE(err == ECONNRESET || err == EPIPE) << err;
    };
    rt.block_on(run());
}

TEST_P(tcp, connect_refused_and_connect_timeout_are_clear_errors) {
    weft::runtime rt(config(1));
    auto run = []() -> task<void> {
        socket_address closed;
        {
            auto l = tcp_listener::bind(any_port());
            closed = l.local_address();
        }  // nobody listens there now
        try {
            co_await tcp_stream::connect(closed);
            ADD_FAILURE() << "connected to a closed port";
        } catch (const weft::system_error& e) {
            EXPECT_EQ(e.code().value(), ECONNREFUSED);
            EXPECT_NE(std::string(e.what()).find("connect " + closed.to_string()), std::string::npos) << e.what();
        }
        // A listener that never accepts, with its backlog full: SYNs are dropped, connect hangs.
        weft::net::bind_options opts;
        opts.backlog = 0;
        auto l = tcp_listener::bind(any_port(), opts);
        std::vector<tcp_stream> filled;
        bool timed_out = false;
        for (int i = 0; i < 8 && !timed_out; ++i) {
            try {
                filled.push_back(co_await tcp_stream::connect(l.local_address(), 200ms));
            } catch (const weft::timeout_error&) {
                timed_out = true;
            }
        }
        EXPECT_TRUE(timed_out);
    };
    rt.block_on(run());
}

TEST_P(tcp, buffered_reader_reads_lines) {
    weft::runtime rt(config(1));
    auto run = []() -> task<void> {
        auto l = tcp_listener::bind(any_port());
        auto accepting = weft::spawn(l.accept());
        tcp_stream c = co_await tcp_stream::connect(l.local_address());
        tcp_stream s = co_await accepting;
        co_await c.write_all(weft::as_bytes("first line\nsecond"));
        co_await c.write_all(weft::as_bytes(" line\r\n\nlast"));
        c.shutdown(weft::net::shutdown_how::send);
        weft::net::buffered_reader reader(s, 4, 64);  // a tiny buffer: lines span reads
        EXPECT_EQ(co_await reader.read_line(), "first line\n");
        EXPECT_EQ(co_await reader.read_until("\r\n"), "second line\r\n");
        EXPECT_EQ(co_await reader.read_line(), "\n");
        EXPECT_EQ(co_await reader.read_line(), "last");
        EXPECT_EQ(co_await reader.read_line(), "");
    };
    rt.block_on(run());
}

TEST_P(tcp, resolve_and_connect_by_name) {
    weft::runtime rt(config(1));
    auto run = []() -> task<void> {
        auto numeric = co_await weft::net::resolve("127.0.0.1", 80);
        EXPECT_EQ(numeric.size(), 1u);
        auto local = co_await weft::net::resolve("localhost", "80");
        EXPECT_FALSE(local.empty());
        for (auto& a : local) EXPECT_TRUE(a.ip().is_loopback()) << a.to_string();
        EXPECT_THROW(co_await weft::net::resolve("name.that.does.not.exist.invalid", 80), weft::net::resolve_error);
        auto l = tcp_listener::bind(any_port());
        auto accepting = weft::spawn(l.accept());
        tcp_stream c = co_await tcp_stream::connect("localhost", l.local_address().port());
        co_await accepting;
    };
    rt.block_on(run());
}

TEST_P(tcp, a_cancelled_lookup_resumes_at_once) {
    auto c = config(2);
    c.section<weft::io_config>().blocking_threads = 1;  // one pool thread, kept busy: the lookup waits in the queue
    weft::runtime rt(c);
    auto run = []() -> task<void> {
        std::atomic<bool> release{false};
        auto busy = [&release] {
            while (!release) std::this_thread::sleep_for(1ms);
        };
        auto hold = [&]() -> task<void> { co_await weft::spawn_blocking(busy); };
        auto h = weft::spawn(hold());
        co_await weft::sleep_for(5ms);
        EXPECT_THROW(co_await weft::timeout(20ms, weft::net::resolve("localhost", 80)), weft::timeout_error);
        release = true;
        co_await h;
        EXPECT_FALSE((co_await weft::net::resolve("localhost", 80)).empty());  // the pool still works
    };
    rt.block_on(run());
}

}  // namespace
