// tls_stream when things go wrong, under both drivers: handshake timeouts on either side,
// cancellation mid-handshake (at many points), mid-read and mid-write, a peer that closes
// without close_notify, a peer that does not speak TLS, misuse; and 1,000 concurrent
// connections. Descriptors are counted before and after: nothing leaks (ASan checks memory).
#include <sys/resource.h>

#include <cstdio>

#include <weft/net/unix.hpp>
#include <weft/sleep.hpp>
#include <weft/timeout.hpp>
#include <weft/when_all.hpp>
#include <weft/yield.hpp>

#include "tls_test_support.hpp"

namespace {

using namespace std::chrono_literals;
using weft::task;
using weft::net::tcp_stream;
using weft::net::tls_context;
using weft::test::tls_tcp;

class tls_failures : public weft::test::io_test {};
WEFT_IO_TEST_SUITE(tls_failures);

// Reads until EOF (or a reset); true if the peer closed.
task<bool> sees_eof(tcp_stream* s) {
    std::array<std::byte, 4096> buf;
    try {
        while (co_await s->read_some(buf) > 0) {
        }
    } catch (const weft::system_error&) {
    }
    co_return true;
}

TEST_P(tls_failures, client_handshake_timeout_closes_the_connection) {
    int fds = weft::test::open_fds();
    auto rt = std::make_unique<weft::runtime>(config(2));
    auto run = []() -> task<void> {
        auto l = weft::net::tcp_listener::bind(weft::test::loopback());
        auto silent = weft::spawn(l.accept());  // accepts and says nothing
        tcp_stream conn = co_await tcp_stream::connect(l.local_address());
        tls_tcp c = tls_tcp::client(std::move(conn), weft::test::client_context(), "example.test");
        tcp_stream peer = co_await silent;
        std::string what;
        bool is_timeout = false;
        try {
            co_await c.handshake(200ms);
        } catch (const weft::timeout_error& e) {
            what = e.what();
            is_timeout = dynamic_cast<const weft::net::tls_timeout_error*>(&e) != nullptr;
        }
        EXPECT_TRUE(is_timeout);
        EXPECT_EQ(what, "TLS handshake with example.test: handshake timed out after 200 ms");
        EXPECT_FALSE(c.is_open());
        EXPECT_TRUE(co_await sees_eof(&peer));  // the ClientHello, then the end
        std::array<std::byte, 4> buf;
        EXPECT_THROW(co_await c.read_some(buf), weft::net::tls_error);
    };
    rt->block_on(run());
    rt.reset();
    EXPECT_EQ(weft::test::open_fds(), fds);
}

TEST_P(tls_failures, server_handshake_timeout) {
    weft::runtime rt(config(2));
    auto run = []() -> task<void> {
        auto l = weft::net::tcp_listener::bind(weft::test::loopback());
        tcp_stream raw = co_await tcp_stream::connect(l.local_address());  // never speaks
        tcp_stream conn = co_await l.accept();
        tls_tcp s = tls_tcp::server(std::move(conn), weft::test::server_context());
        std::string what;
        try {
            co_await s.handshake(150ms);
        } catch (const weft::net::tls_timeout_error& e) {
            what = e.what();
        }
        EXPECT_NE(what.find("TLS handshake with 127.0.0.1:"), std::string::npos) << what;
        EXPECT_NE(what.find("handshake timed out after 150 ms"), std::string::npos) << what;
        EXPECT_TRUE(co_await sees_eof(&raw));
    };
    rt.block_on(run());
}

// Runs both handshakes and cancels one side after `yields` trips through the scheduler,
// so the cancellation lands at a different point of the exchange each time.
// Returns whether the cancellation interrupted the handshake.
task<bool> cancel_handshake_at(int yields, bool cancel_client) {
    auto l = weft::net::tcp_listener::bind(weft::test::loopback());
    auto accepting = weft::spawn(l.accept());
    tcp_stream craw = co_await tcp_stream::connect(l.local_address());
    tcp_stream sraw = co_await accepting;
    tls_tcp c = tls_tcp::client(std::move(craw), weft::test::client_context(), "example.test");
    tls_tcp s = tls_tcp::server(std::move(sraw), weft::test::server_context());
    auto hs = [](tls_tcp* t) -> task<void> { co_await t->handshake(); };
    auto ch = weft::spawn(hs(&c));
    auto sh = weft::spawn(hs(&s));
    for (int i = 0; i < yields; ++i) co_await weft::yield_now();
    (cancel_client ? ch : sh).cancel();
    // The cancelled side closes; the other finishes or fails, never hangs.
    auto wait = [](weft::join_handle<void> h) -> task<void> { co_await h; };
    bool finished[2] = {false, false};  // client, server
    for (int i = 0; i < 2; ++i) {
        try {
            co_await weft::timeout(10s, wait(std::move(i == 0 ? ch : sh)));
            finished[i] = true;
        } catch (const weft::cancelled_error&) {
        } catch (const weft::net::tls_error&) {
        } catch (const weft::system_error&) {
        }
    }
    tls_tcp& cancelled = cancel_client ? c : s;
    tls_tcp& other = cancel_client ? s : c;
    if (!cancelled.is_open()) {
        // The cancellation interrupted the handshake: the connection is closed for good.
        std::array<std::byte, 4> buf;
        EXPECT_THROW(co_await cancelled.read_some(buf), weft::net::tls_error);
        EXPECT_FALSE(finished[cancel_client ? 0 : 1]);
        co_return true;
    } else {
        // The handshake had finished before the cancellation arrived: both sides work.
        EXPECT_TRUE(finished[0] && finished[1]);
        co_await cancelled.write_all(weft::as_bytes("ok"));
        std::array<std::byte, 2> buf;
        co_await other.read_exact(buf);
        EXPECT_EQ(weft::test::text(buf), "ok");
        co_return false;
    }
}

TEST_P(tls_failures, cancellation_mid_handshake_at_many_points) {
    int fds = weft::test::open_fds();
    {
        weft::runtime rt(config(2));
        int interrupted = 0;
        for (int i = 0; i < 24; ++i) interrupted += rt.block_on(cancel_handshake_at(i, i % 2 == 0)) ? 1 : 0;
        EXPECT_GE(interrupted, 3);  // the early cancellations land mid-handshake
        std::printf("%d of 24 cancellations interrupted a handshake\n", interrupted);
    }
    EXPECT_EQ(weft::test::open_fds(), fds);
}

TEST_P(tls_failures, cancelled_read_loses_nothing) {
    weft::runtime rt(config(2));
    auto run = []() -> task<void> {
        auto p = co_await weft::test::connected_pair(weft::test::client_context(), weft::test::server_context());
        auto reader = [](tls_tcp* s) -> task<std::size_t> {
            std::array<std::byte, 64> buf;
            co_return co_await s->read_some(buf);
        };
        auto r = weft::spawn(reader(&p.client));
        co_await weft::sleep_for(30ms);
        r.cancel();
        EXPECT_THROW(co_await r, weft::cancelled_error);
        co_await p.server.write_all(weft::as_bytes("after the cancel"));
        std::array<std::byte, 16> buf;
        co_await p.client.read_exact(buf);
        EXPECT_EQ(weft::test::text(buf), "after the cancel");
    };
    rt.block_on(run());
}

TEST_P(tls_failures, cancelled_write_keeps_the_record_stream_whole) {
    weft::runtime rt(config(2));
    auto run = []() -> task<void> {
        auto p = co_await weft::test::connected_pair(weft::test::client_context(), weft::test::server_context());
        auto big = weft::test::random_bytes(32 << 20, 3);  // far more than the socket buffers hold
        auto writer = [](tls_tcp* s, const std::vector<std::byte>* d) -> task<void> { co_await s->write_all(*d); };
        auto w = weft::spawn(writer(&p.client, &big));
        co_await weft::sleep_for(50ms);  // the server does not read: the writer blocks
        w.cancel();
        EXPECT_THROW(co_await w, weft::cancelled_error);
        // The server now reads everything; the client finishes with a marker and close_notify.
        auto drain = [](tls_tcp* s) -> task<std::vector<std::byte>> {
            std::vector<std::byte> got;
            std::array<std::byte, 65536> buf;
            while (std::size_t n = co_await s->read_some(buf)) got.insert(got.end(), buf.begin(), buf.begin() + n);
            co_return got;
        };
        auto d = weft::spawn(drain(&p.server));
        co_await p.client.write_all(weft::as_bytes("END"));
        co_await p.client.shutdown();
        std::vector<std::byte> got = co_await d;
        EXPECT_GE(got.size(), 3u);
        std::size_t prefix = got.size() - 3;
        EXPECT_LT(prefix, big.size());
        EXPECT_TRUE(std::equal(got.begin(), got.begin() + static_cast<std::ptrdiff_t>(prefix), big.begin()));
        EXPECT_EQ(weft::test::text(std::span(got).subspan(prefix)), "END");
    };
    rt.block_on(run());
}

TEST_P(tls_failures, peer_closing_without_close_notify) {
    weft::runtime rt(config(2));
    auto run = [](bool ignore) -> task<void> {
        auto cctx = weft::test::client_context();
        cctx.set_ignore_unexpected_eof(ignore);
        auto p = co_await weft::test::connected_pair(cctx, weft::test::server_context());
        co_await p.server.write_all(weft::as_bytes("data"));
        p.server.close();  // the TCP connection ends, no close_notify
        std::array<std::byte, 4> buf;
        co_await p.client.read_exact(buf);
        EXPECT_EQ(weft::test::text(buf), "data");
        if (ignore) {
            EXPECT_EQ(co_await p.client.read_some(buf), 0u);
            co_return;
        }
        std::string what;
        try {
            co_await p.client.read_some(buf);
        } catch (const weft::net::tls_truncated_error& e) {
            what = e.what();
        }
        EXPECT_EQ(what,
                  "TLS read from example.test: the peer closed the connection without close_notify (the data may "
                  "be cut short)");
    };
    rt.block_on(run(false));
    rt.block_on(run(true));
}

TEST_P(tls_failures, a_peer_that_does_not_speak_tls) {
    weft::runtime rt(config(1));
    auto run = []() -> task<void> {
        auto l = weft::net::tcp_listener::bind(weft::test::loopback());
        auto server = weft::spawn(weft::test::accept_tls(&l, weft::test::server_context()));
        tcp_stream raw = co_await tcp_stream::connect(l.local_address());
        co_await raw.write_all(weft::as_bytes("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
        std::string what;
        try {
            co_await server;
        } catch (const weft::net::tls_error& e) {
            what = e.what();
        }
        EXPECT_NE(what.find("TLS handshake with 127.0.0.1:"), std::string::npos) << what;
        EXPECT_NE(what.find("http request"), std::string::npos) << what;
        EXPECT_TRUE(co_await sees_eof(&raw));

        // A peer that hangs up in the middle of the handshake.
        auto server2 = weft::spawn(weft::test::accept_tls(&l, weft::test::server_context()));
        tcp_stream raw2 = co_await tcp_stream::connect(l.local_address());
        raw2.close();
        what.clear();
        try {
            co_await server2;
        } catch (const weft::net::tls_error& e) {
            what = e.what();
        }
        EXPECT_NE(what.find("the peer closed the connection during the handshake"), std::string::npos) << what;
    };
    rt.block_on(run());
}

TEST_P(tls_failures, misuse_is_a_clear_error) {
    weft::runtime rt(config(1));
    auto run = []() -> task<void> {
        auto [a, b] = weft::net::unix_stream::pair();
        using tls_unix = weft::net::tls_stream<weft::net::unix_stream>;
        auto c = tls_unix::client(std::move(a), weft::test::client_context(), "example.test");
        std::array<std::byte, 4> buf;
        std::string what;
        try {
            co_await c.read_some(buf);
        } catch (const weft::net::tls_error& e) {
            what = e.what();
        }
        EXPECT_EQ(what, "TLS read from example.test: the handshake has not been done (call handshake() first)");
        EXPECT_THROW(tls_unix::server(std::move(b), weft::test::client_context()), weft::net::tls_error);
        EXPECT_THROW(tls_unix::server(weft::net::unix_stream{}, tls_context::server()), weft::net::tls_error);
        tls_unix empty;
        EXPECT_THROW(co_await empty.handshake(), weft::net::tls_error);
    };
    rt.block_on(run());
}

TEST_P(tls_failures, a_thousand_concurrent_connections) {
    rlimit rl;
    ::getrlimit(RLIMIT_NOFILE, &rl);
    if (rl.rlim_cur < 4096 && rl.rlim_max >= 4096) {
        rl.rlim_cur = 4096;
        ::setrlimit(RLIMIT_NOFILE, &rl);
    }
    weft::runtime rt(config(2));
    auto run = []() -> task<int> {
        constexpr int n = 1000;
        auto l = weft::net::tcp_listener::bind(weft::test::loopback());
        auto sctx = weft::test::server_context();
        auto accept_all = [](weft::net::tcp_listener* l, tls_context ctx) -> task<void> {
            std::vector<weft::join_handle<void>> conns;
            auto one = [](tcp_stream conn, tls_context ctx) -> task<void> {
                tls_tcp s = tls_tcp::server(std::move(conn), ctx);
                co_await s.handshake(60s);
                co_await weft::test::echo_tls(std::move(s));
            };
            for (int i = 0; i < n; ++i) {
                tcp_stream conn = co_await l->accept();
                conns.push_back(weft::spawn(one(std::move(conn), ctx)));
            }
            for (auto& c : conns) co_await c;
        };
        auto server = weft::spawn(accept_all(&l, sctx));
        auto client = [](weft::net::socket_address to, tls_context ctx, std::uint32_t i) -> task<bool> {
            tls_tcp s = co_await weft::test::connect_tls(to, ctx, "example.test");
            co_return co_await weft::test::exchange_tls(s, 1000 + i * 13, i);
        };
        auto cctx = weft::test::client_context();
        std::vector<task<bool>> clients;
        for (int i = 0; i < n; ++i) clients.push_back(client(l.local_address(), cctx, static_cast<std::uint32_t>(i)));
        auto all = [](std::vector<task<bool>> cs) -> task<std::vector<bool>> {
            co_return co_await weft::when_all(std::move(cs));
        };
        std::vector<bool> ok = co_await weft::timeout(120s, all(std::move(clients)));
        co_await server;
        co_return static_cast<int>(std::count(ok.begin(), ok.end(), true));
    };
    EXPECT_EQ(rt.block_on(run()), 1000);
}

}  // namespace
