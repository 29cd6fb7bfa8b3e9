// tls_stream between our own client and server over loopback, under both drivers and every
// transport (custom BIO, memory BIOs, socket BIO): full-duplex echo with checksums, a large
// transfer, Unix streams, ALPN, session resumption, certificate summaries, close_notify,
// buffered_reader on top, client certificates.
#include <weft/net/buffered_reader.hpp>
#include <weft/net/unix.hpp>
#include <weft/when_all.hpp>

#include "tls_test_support.hpp"

namespace {

using namespace std::chrono_literals;
using weft::task;
using weft::net::tls_context;
using weft::net::detail::tls_transport;
using weft::test::tls_tcp;

// Every driver with every transport.
struct tls_param {
    weft::io_driver_kind driver;
    tls_transport transport;
};

std::string param_name(const ::testing::TestParamInfo<tls_param>& info) {
    const char* t = info.param.transport == tls_transport::automatic    ? "auto"
                    : info.param.transport == tls_transport::memory_bio ? "memory_bio"
                    : info.param.transport == tls_transport::socket     ? "socket"
                                                                        : "buffers";
    return weft::to_string(info.param.driver) + "_" + t;
}

class tls_transports : public ::testing::TestWithParam<tls_param> {
protected:
    weft::runtime_config config(std::uint32_t workers) const {
        weft::runtime_config c;
        c.workers = workers;
        c.section<weft::io_config>().driver = GetParam().driver;
        return c;
    }
};

INSTANTIATE_TEST_SUITE_P(all, tls_transports,
                         ::testing::Values(tls_param{weft::io_driver_kind::epoll, tls_transport::automatic},
                                           tls_param{weft::io_driver_kind::io_uring, tls_transport::automatic},
                                           tls_param{weft::io_driver_kind::epoll, tls_transport::memory_bio},
                                           tls_param{weft::io_driver_kind::io_uring, tls_transport::memory_bio},
                                           tls_param{weft::io_driver_kind::epoll, tls_transport::socket},
                                           tls_param{weft::io_driver_kind::io_uring, tls_transport::socket}),
                         param_name);

task<void> serve_echo(weft::net::tcp_listener* l, tls_context ctx, int n) {
    std::vector<weft::join_handle<void>> conns;
    for (int i = 0; i < n; ++i) {
        weft::net::tcp_stream conn = co_await l->accept();
        auto s = tls_tcp::server(std::move(conn), ctx);
        auto handle = [](tls_tcp s) -> task<void> {
            co_await s.handshake();
            co_await weft::test::echo_tls(std::move(s));
        };
        conns.push_back(weft::spawn(handle(std::move(s))));
    }
    for (auto& c : conns) co_await c;
}

task<bool> client_exchange(weft::net::socket_address to, tls_context ctx, std::size_t size, std::uint32_t seed) {
    tls_tcp s = co_await weft::test::connect_tls(to, ctx, "example.test");
    co_return co_await weft::test::exchange_tls(s, size, seed);
}

TEST_P(tls_transports, full_duplex_echo_with_checksums) {
    weft::runtime rt(config(2));
    auto run = [](tls_transport t) -> task<int> {
        auto l = weft::net::tcp_listener::bind(weft::test::loopback());
        constexpr int conns = 12;
        auto server = weft::spawn(serve_echo(&l, weft::test::server_context(t), conns));
        std::vector<task<bool>> clients;
        for (int i = 0; i < conns; ++i)
            clients.push_back(client_exchange(l.local_address(), weft::test::client_context(t),
                                              static_cast<std::size_t>(i) * 97'001 + 1, static_cast<std::uint32_t>(i)));
        auto ok = co_await weft::when_all(std::move(clients));
        co_await server;
        co_return static_cast<int>(std::count(ok.begin(), ok.end(), true));
    };
    EXPECT_EQ(rt.block_on(run(GetParam().transport)), 12);
}

TEST_P(tls_transports, large_transfer_both_ways) {
    weft::runtime rt(config(2));
    auto run = [](tls_transport t) -> task<bool> {
        auto l = weft::net::tcp_listener::bind(weft::test::loopback());
        auto server = weft::spawn(serve_echo(&l, weft::test::server_context(t), 1));
        bool ok = co_await client_exchange(l.local_address(), weft::test::client_context(t), 16 << 20, 99);
        co_await server;
        co_return ok;
    };
    EXPECT_TRUE(rt.block_on(run(GetParam().transport)));
}

TEST_P(tls_transports, over_unix_streams) {
    weft::runtime rt(config(2));
    auto run = [](tls_transport t) -> task<bool> {
        auto [a, b] = weft::net::unix_stream::pair();
        using tls_unix = weft::net::tls_stream<weft::net::unix_stream>;
        auto server = tls_unix::server(std::move(b), weft::test::server_context(t));
        auto client = tls_unix::client(std::move(a), weft::test::client_context(t), "example.test");
        auto hs = [](tls_unix* s) -> task<void> {
            co_await s->handshake();
            co_await weft::test::echo_tls(std::move(*s));
        };
        auto srv = weft::spawn(hs(&server));
        co_await client.handshake();
        bool ok = co_await weft::test::exchange_tls(client, 2 << 20, 7);
        co_await srv;
        co_return ok;
    };
    EXPECT_TRUE(rt.block_on(run(GetParam().transport)));
}

class tls : public weft::test::io_test {};
WEFT_IO_TEST_SUITE(tls);

TEST_P(tls, alpn_negotiation) {
    weft::runtime rt(config(1));
    auto run = []() -> task<void> {
        auto sctx = weft::test::server_context();
        sctx.set_alpn({"h2", "http/1.1"});
        auto cctx = weft::test::client_context();
        cctx.set_alpn({"http/1.1", "h2"});  // the server's preference wins
        auto p = co_await weft::test::connected_pair(cctx, sctx);
        EXPECT_EQ(p.client.alpn(), "h2");
        EXPECT_EQ(p.server.alpn(), "h2");

        auto only11 = weft::test::client_context();
        only11.set_alpn({"http/1.1"});
        auto q = co_await weft::test::connected_pair(only11, sctx);
        EXPECT_EQ(q.client.alpn(), "http/1.1");

        auto other = weft::test::client_context();
        other.set_alpn({"spdy/3"});  // no overlap: no protocol, the connection goes on
        auto r = co_await weft::test::connected_pair(other, sctx);
        EXPECT_EQ(r.client.alpn(), "");
        auto none = co_await weft::test::connected_pair(weft::test::client_context(), sctx);
        EXPECT_EQ(none.server.alpn(), "");
    };
    rt.block_on(run());
}

// Connects, exchanges a message (which carries TLS 1.3's session tickets), closes; returns
// whether the session was resumed.
task<bool> one_connection(weft::net::socket_address to, tls_context ctx) {
    tls_tcp s = co_await weft::test::connect_tls(to, ctx, "example.test");
    co_await s.write_all(weft::as_bytes("ping"));
    std::array<std::byte, 4> buf;
    co_await s.read_exact(buf);
    EXPECT_EQ(weft::test::text(buf), "ping");
    bool reused = s.session_reused();
    co_await s.shutdown();
    co_return reused;
}

TEST_P(tls, session_resumption_observed) {
    weft::runtime rt(config(2));
    auto run = []() -> task<void> {
        for (auto v : {weft::net::tls_version::tls1_3, weft::net::tls_version::tls1_2}) {
            auto l = weft::net::tcp_listener::bind(weft::test::loopback());
            auto sctx = weft::test::server_context();
            sctx.set_max_version(v);
            auto server = weft::spawn(serve_echo(&l, sctx, 4));
            auto cctx = weft::test::client_context();
            EXPECT_FALSE(co_await one_connection(l.local_address(), cctx));
            EXPECT_TRUE(co_await one_connection(l.local_address(), cctx));
            EXPECT_TRUE(co_await one_connection(l.local_address(), cctx));
            auto off = weft::test::client_context();
            off.set_session_resumption(false);
            EXPECT_FALSE(co_await one_connection(l.local_address(), off));
            co_await server;
        }
    };
    rt.block_on(run());
}

TEST_P(tls, certificate_summary_and_connection_facts) {
    weft::runtime rt(config(1));
    auto run = []() -> task<void> {
        auto p = co_await weft::test::connected_pair(weft::test::client_context(), weft::test::server_context());
        auto cert = p.client.peer_certificate();
        EXPECT_TRUE(cert.has_value());
        if (cert) {
            EXPECT_EQ(cert->subject, "CN=example.test,O=weft tests");
            EXPECT_EQ(cert->issuer, "CN=weft test CA,O=weft tests");
            EXPECT_EQ(cert->dns_names, (std::vector<std::string>{"example.test", "localhost"}));
            EXPECT_EQ(cert->ip_addresses, (std::vector<std::string>{"127.0.0.1"}));
            auto now = std::chrono::system_clock::now();
            EXPECT_LT(cert->not_before, now);
            EXPECT_GT(cert->not_after, now);
            EXPECT_EQ(cert->sha256_fingerprint.size(), 64u);
            EXPECT_FALSE(cert->serial_number.empty());
        }
        EXPECT_FALSE(p.server.peer_certificate().has_value());  // no client certificate asked
        EXPECT_EQ(p.client.protocol_version(), "TLSv1.3");
        EXPECT_FALSE(p.client.cipher().empty());
        EXPECT_FALSE(p.client.ktls_send());  // user-space transport here (docs/tls.md)
    };
    rt.block_on(run());
}

TEST_P(tls, close_notify_ends_the_stream_and_buffered_reader_works) {
    weft::runtime rt(config(2));
    auto run = []() -> task<void> {
        auto p = co_await weft::test::connected_pair(weft::test::client_context(), weft::test::server_context());
        co_await p.server.write_all(weft::as_bytes("first line\nsecond line\n"));
        co_await p.server.shutdown();
        co_await p.server.shutdown();  // idempotent
        weft::net::buffered_reader<tls_tcp> reader(p.client);
        EXPECT_EQ(co_await reader.read_line(), "first line\n");
        EXPECT_EQ(co_await reader.read_line(), "second line\n");
        EXPECT_EQ(co_await reader.read_line(), "");  // close_notify
        std::array<std::byte, 8> buf;
        EXPECT_EQ(co_await p.client.read_some(buf), 0u);
        // The client may still write (TLS half-close), but the server's TCP side is shut.
        co_await p.client.shutdown();
        EXPECT_EQ(co_await p.server.read_some(buf), 0u);
    };
    rt.block_on(run());
}

TEST_P(tls, client_certificates) {
    weft::runtime rt(config(2));
    auto run = []() -> task<void> {
        auto sctx = weft::test::server_context();
        sctx.set_verify_peer(true).add_certificate_authority(weft::test::shared_ca().certificate_pem());
        auto client_id = weft::test::shared_ca().issue({.dns_names = {"client.test"}, .ip_addresses = {}});
        auto cctx = weft::test::client_context();
        cctx.use_certificate_chain(client_id.certificate_pem).use_private_key(client_id.private_key_pem);
        auto p = co_await weft::test::connected_pair(cctx, sctx);
        auto cert = p.server.peer_certificate();
        EXPECT_TRUE(cert && cert->dns_names == std::vector<std::string>{"client.test"});

        // Without a certificate the server refuses (TLS 1.3: after the client's handshake
        // ends, so the client learns it on its first read).
        auto l = weft::net::tcp_listener::bind(weft::test::loopback());
        auto server = weft::spawn(weft::test::accept_tls(&l, sctx));
        std::string client_error, server_error;
        try {
            tls_tcp c =
                co_await weft::test::connect_tls(l.local_address(), weft::test::client_context(), "example.test");
            std::array<std::byte, 8> buf;
            co_await c.read_some(buf);
        } catch (const weft::net::tls_error& e) {
            client_error = e.what();
        }
        try {
            co_await server;
        } catch (const weft::net::tls_error& e) {
            server_error = e.what();
        }
        EXPECT_NE(server_error.find("peer did not return a certificate"), std::string::npos) << server_error;
        EXPECT_NE(client_error.find("certificate required"), std::string::npos) << client_error;
    };
    rt.block_on(run());
}

}  // namespace
