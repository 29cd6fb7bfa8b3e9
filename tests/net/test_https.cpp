// test_https.cpp — weft::http over TLS, under both drivers: the client against our HTTPS
// server (keep-alive reuse, bodies with checksums, a private CA from a file, SNI and the
// host name check from the URL), verification failures as client_errors of kind tls with
// OpenSSL's reason, the pool keyed by scheme, and the server closing a client that never
// finishes its handshake.
#include <gtest/gtest.h>

#include <array>
#include <string>
#include <vector>

#include <weft/sleep.hpp>

#include <weft/net/tls_context.hpp>

#include "http_test_support.hpp"
#include "tls_test_support.hpp"

namespace weft::test {
namespace {

class https : public io_test {};
WEFT_IO_TEST_SUITE(https);

http::server_options tls_server(net::tls_context ctx) {
    http::server_options o;
    o.tls = std::move(ctx);
    return o;
}

http::client_options trusting_client() {
    http::client_options o;
    o.tls = client_context();  // trusts shared_ca()
    return o;
}

net::tls_context context_for(const tls_identity& id) {
    auto c = net::tls_context::server();
    c.use_certificate_chain(id.certificate_pem).use_private_key(id.private_key_pem);
    return c;
}

std::string https_url(std::uint16_t port, const std::string& host = "127.0.0.1") {
    return "https://" + host + ":" + std::to_string(port);
}

// The client_error a GET of url fails with ("" if it did not fail).
task<std::string> failure_of(http::client& c, std::string url, http::client_error::kind_t* kind) {
    try {
        auto r = co_await c.get(url);
        co_await r.discard();
    } catch (const http::client_error& e) {
        *kind = e.kind();
        co_return std::string(e.what());
    }
    co_return std::string();
}

TEST_P(https, client_and_server_keep_alive) {
    runtime rt(config(2));
    rt.block_on(with_server(hello_handler, tls_server(server_context()),
                            [](std::uint16_t port, http::server& srv) -> task<void> {
                                http::client c(trusting_client());
                                for (int i = 0; i < 5; ++i) {
                                    auto r = co_await c.get(https_url(port) + "/");
                                    EXPECT_EQ(r.status(), 200u);
                                    EXPECT_EQ(co_await r.text(), "Hello, World!");
                                }
                                EXPECT_EQ(c.connections_opened(), 1u);  // one TLS connection, reused
                                EXPECT_EQ(srv.connections_opened(), 1u);
                            }));
}

TEST_P(https, large_bodies_both_ways_with_checksums) {
    runtime rt(config(2));
    http::server_options so = tls_server(server_context());
    so.limits.max_body_bytes = 8 << 20;
    rt.block_on(with_server(echo_handler, so, [](std::uint16_t port, http::server&) -> task<void> {
        http::client c(trusting_client());
        auto data = random_bytes(3 << 20, 7);
        std::string body(reinterpret_cast<const char*>(data.data()), data.size());
        auto r = co_await c.request("POST", https_url(port) + "/upload?x=1", {}, body);
        EXPECT_EQ(r.status(), 200u);
        EXPECT_EQ(co_await r.text(),
                  "POST /upload x=1 " + std::to_string(data.size()) + " " + std::to_string(checksum(data)));
    }));
}

TEST_P(https, ca_file_and_the_name_from_the_url) {
    runtime rt(config(2));
    temp_dir dir;
    const std::string ca = dir.write("ca.pem", shared_ca().certificate_pem());
    rt.block_on(
        with_server(hello_handler, tls_server(server_context()), [ca](std::uint16_t port, http::server&) -> task<void> {
            http::client_options o;
            o.ca_file = ca;  // the system store, and the test CA
            http::client c(o);
            // SNI and the check use "localhost", a DNS name of the certificate.
            auto r = co_await c.get(https_url(port, "localhost") + "/");
            EXPECT_EQ(co_await r.text(), "Hello, World!");
            // The same server by address: checked against the IP entries.
            auto r2 = co_await c.get(https_url(port) + "/");
            EXPECT_EQ(co_await r2.text(), "Hello, World!");
        }));
}

TEST_P(https, a_missing_ca_file_is_named) {
    http::client_options o;
    o.ca_file = "/nonexistent/weft-ca.pem";
    try {
        http::client c(o);
        ADD_FAILURE() << "a client with a missing CA file was built";
    } catch (const net::tls_context_error& e) {
        EXPECT_NE(std::string(e.what()).find("/nonexistent/weft-ca.pem"), std::string::npos) << e.what();
    }
}

TEST_P(https, an_unknown_ca_fails_with_the_reason) {
    runtime rt(config(2));
    rt.block_on(
        with_server(hello_handler, tls_server(server_context()), [](std::uint16_t port, http::server&) -> task<void> {
            http::client c;  // the system store only: the test CA is unknown
            http::client_error::kind_t kind{};
            std::string what = co_await failure_of(c, https_url(port) + "/", &kind);
            EXPECT_EQ(kind, http::client_error::tls) << what;
            EXPECT_NE(what.find("GET " + https_url(port) +
                                "/: TLS handshake with 127.0.0.1: certificate verify failed: "
                                "unable to get local issuer certificate"),
                      std::string::npos)
                << what;
        }));
}

TEST_P(https, a_wrong_name_fails_with_the_reason) {
    runtime rt(config(2));
    auto other = shared_ca().issue({.dns_names = {"other.test"}, .ip_addresses = {}});
    rt.block_on(
        with_server(hello_handler, tls_server(context_for(other)), [](std::uint16_t port, http::server&) -> task<void> {
            http::client c(trusting_client());
            http::client_error::kind_t kind{};
            std::string what = co_await failure_of(c, https_url(port, "localhost") + "/", &kind);
            EXPECT_EQ(kind, http::client_error::tls) << what;
            EXPECT_NE(what.find("certificate verify failed: hostname mismatch: expected "
                                "localhost, certificate for other.test"),
                      std::string::npos)
                << what;
            what = co_await failure_of(c, https_url(port) + "/", &kind);
            EXPECT_NE(what.find("IP address mismatch: expected 127.0.0.1, certificate for "
                                "other.test"),
                      std::string::npos)
                << what;
            EXPECT_EQ(c.idle_connections(), 0u);  // a failed handshake is not pooled
        }));
}

TEST_P(https, an_expired_certificate_fails_with_the_reason) {
    runtime rt(config(2));
    auto expired = shared_ca().issue({.not_before = std::chrono::hours(-48), .not_after = std::chrono::hours(-24)});
    rt.block_on(with_server(
        hello_handler, tls_server(context_for(expired)), [](std::uint16_t port, http::server&) -> task<void> {
            http::client c(trusting_client());
            http::client_error::kind_t kind{};
            std::string what = co_await failure_of(c, https_url(port) + "/", &kind);
            EXPECT_EQ(kind, http::client_error::tls) << what;
            EXPECT_NE(what.find("certificate verify failed: certificate has expired"), std::string::npos) << what;
        }));
}

// http:// and https:// to one host:port are different pool keys: after a plain exchange,
// an https:// URL opens its own connection (and fails: the server speaks no TLS).
TEST_P(https, the_pool_is_keyed_by_scheme) {
    runtime rt(config(2));
    rt.block_on(with_server(hello_handler, {}, [](std::uint16_t port, http::server& srv) -> task<void> {
        http::client c(trusting_client());
        auto r = co_await c.get("http://127.0.0.1:" + std::to_string(port) + "/");
        EXPECT_EQ(co_await r.text(), "Hello, World!");
        EXPECT_EQ(c.idle_connections(), 1u);
        http::client_error::kind_t kind{};
        std::string what = co_await failure_of(c, https_url(port) + "/", &kind);
        EXPECT_EQ(kind, http::client_error::tls) << what;
        EXPECT_NE(what.find("TLS handshake with 127.0.0.1"), std::string::npos) << what;
        EXPECT_EQ(srv.connections_opened(), 2u);  // the ClientHello came on a new connection
        EXPECT_EQ(c.connections_opened(), 1u);    // which failed its handshake
        EXPECT_EQ(c.idle_connections(), 1u);      // the plain connection is still there, unused
    }));
}

// A client that connects and never speaks TLS: the server closes it after header_timeout.
TEST_P(https, the_server_closes_a_silent_client) {
    runtime rt(config(2));
    http::server_options so = tls_server(server_context());
    so.limits.header_timeout = 200ms;
    rt.block_on(with_server(hello_handler, so, [](std::uint16_t port, http::server& srv) -> task<void> {
        auto s = co_await net::tcp_stream::connect(net::socket_address::parse("127.0.0.1:" + std::to_string(port)));
        char buf[64];
        std::size_t n = co_await weft::timeout(10s, read_some_of(s, std::span(buf)));
        EXPECT_EQ(n, 0u);  // closed, no response
        // The server still serves others.
        http::client c(trusting_client());
        auto r = co_await c.get(https_url(port) + "/");
        EXPECT_EQ(co_await r.text(), "Hello, World!");
        EXPECT_EQ(srv.connections_opened(), 1u);  // the silent one never reached HTTP
    }));
}

// How a connection of the raw TLS server below ended, once its one response was sent.
enum class tls_ending { none, close_notify, truncated, other };

// Serves one request on an accepted connection with `reply`, then waits (5 s at most) for
// the client's end: close_notify (read_some gives 0) or a cut without it.
task<void> one_tls_exchange(net::tcp_stream tcp, std::string reply, tls_ending* out) {
    auto tls = net::tls_stream<net::tcp_stream>::server(std::move(tcp), server_context());
    auto serve = [](net::tls_stream<net::tcp_stream>* t, std::string r, tls_ending* o) -> task<void> {
        co_await t->handshake();
        std::string got;
        char buf[4096];
        while (got.find("\r\n\r\n") == std::string::npos) {
            const std::size_t n = co_await t->read_some(std::as_writable_bytes(std::span(buf)));
            if (n == 0) co_return;
            got.append(buf, n);
        }
        co_await t->write_all(weft::as_bytes(r));
        try {
            *o = co_await t->read_some(std::as_writable_bytes(std::span(buf))) == 0 ? tls_ending::close_notify
                                                                                    : tls_ending::other;
        } catch (const net::tls_truncated_error&) {
            *o = tls_ending::truncated;
        }
    };
    try {
        co_await weft::timeout(5s, serve(&tls, std::move(reply), out));
    } catch (const weft::error&) {
        if (*out == tls_ending::none) *out = tls_ending::other;
    }
}

// Accepts n connections, each served by one_tls_exchange at once.
task<void> raw_tls_server(net::tcp_listener* l, int n, std::string reply, std::array<tls_ending, 2>* out) {
    std::vector<join_handle<void>> conns;
    for (int i = 0; i < n; ++i) {
        net::tcp_stream s = co_await l->accept();
        conns.push_back(weft::spawn(one_tls_exchange(std::move(s), reply, &(*out)[i])));
    }
    for (auto& c : conns) co_await c;
}

// Awaits a spawned task (for weft::timeout).
task<void> joined(join_handle<void> h) { co_await h; }

const std::string keep_alive_reply = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

// The pool closes idle TLS connections with close_notify (close_idle(), the client's end).
TEST_P(https, idle_connections_close_with_close_notify) {
    runtime rt(config(2));
    auto body = []() -> task<void> {
        auto l = net::tcp_listener::bind(loopback());
        std::array<tls_ending, 2> seen{};
        auto srv = weft::spawn(raw_tls_server(&l, 1, keep_alive_reply, &seen));
        http::client c(trusting_client());
        auto r = co_await c.get(https_url(l.local_address().port()) + "/");
        EXPECT_EQ(co_await r.text(), "ok");
        EXPECT_EQ(c.idle_connections(), 1u);
        c.close_idle();
        co_await weft::timeout(10s, joined(std::move(srv)));
        EXPECT_EQ(seen[0], tls_ending::close_notify);
    };
    rt.block_on(body());
}

// An idle connection past idle_timeout is closed (with close_notify) when its host is next
// used; a response with Connection: close ends its connection the same way.
TEST_P(https, expired_and_finished_connections_close_with_close_notify) {
    runtime rt(config(2));
    auto body = []() -> task<void> {
        auto l = net::tcp_listener::bind(loopback());
        std::array<tls_ending, 2> seen{};
        auto srv = weft::spawn(raw_tls_server(&l, 2, keep_alive_reply, &seen));
        http::client_options o = trusting_client();
        o.idle_timeout = 50ms;
        http::client c(o);
        const std::string url = https_url(l.local_address().port()) + "/";
        auto r = co_await c.get(url);
        EXPECT_EQ(co_await r.text(), "ok");
        co_await sleep_for(150ms);
        auto r2 = co_await c.get(url);  // expires the first, opens a second
        EXPECT_EQ(co_await r2.text(), "ok");
        EXPECT_EQ(c.connections_opened(), 2u);
        c.close_idle();
        co_await weft::timeout(10s, joined(std::move(srv)));
        EXPECT_EQ(seen[0], tls_ending::close_notify);
        EXPECT_EQ(seen[1], tls_ending::close_notify);

        std::array<tls_ending, 2> closing{};
        auto srv2 = weft::spawn(
            raw_tls_server(&l, 1, "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok", &closing));
        auto r3 = co_await c.get(url);
        EXPECT_EQ(co_await r3.text(), "ok");
        EXPECT_EQ(c.idle_connections(), 0u);
        co_await weft::timeout(10s, joined(std::move(srv2)));
        EXPECT_EQ(closing[0], tls_ending::close_notify);
    };
    rt.block_on(body());
}

// The ciphers a client negotiates with our server over 127.0.0.1 ("" and the error if the
// handshake failed), and the server's answer to a GET on that connection.
struct negotiated {
    std::string cipher;
    std::string failure;
    std::string answer;
};
task<negotiated> negotiate(std::uint16_t port, net::tls_context ctx) {
    negotiated out;
    try {
        auto tls = co_await connect_tls({net::ip_address::parse("127.0.0.1"), port}, ctx, "127.0.0.1");
        out.cipher = tls.cipher();
        co_await tls.write_all(weft::as_bytes("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
        char buf[4096];
        while (true) {
            const std::size_t n = co_await tls.read_some(std::as_writable_bytes(std::span(buf)));
            if (n == 0) break;
            out.answer.append(buf, n);
        }
    } catch (const net::tls_error& e) {
        out.failure = e.what();
    }
    co_return out;
}

// A server limited to one TLS 1.3 suite and one TLS 1.2 cipher (tls_context's cipher
// settings, as examples/http_server --ciphersuites/--ciphers sets them): a client offering
// it gets it; one offering only others fails its handshake with OpenSSL's reason.
TEST_P(https, the_server_negotiates_only_the_ciphers_it_allows) {
    runtime rt(config(2));
    auto sctx = server_context();
    sctx.set_ciphersuites("TLS_AES_128_GCM_SHA256").set_cipher_list("ECDHE-ECDSA-AES128-GCM-SHA256");
    rt.block_on(with_server(hello_handler, tls_server(sctx), [](std::uint16_t port, http::server&) -> task<void> {
        auto v13 = client_context();
        v13.set_ciphersuites("TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256");
        negotiated a = co_await negotiate(port, v13);
        EXPECT_EQ(a.cipher, "TLS_AES_128_GCM_SHA256") << a.failure;
        EXPECT_TRUE(a.answer.starts_with("HTTP/1.1 200 OK\r\n")) << a.answer;

        auto v12 = client_context();
        v12.set_max_version(net::tls_version::tls1_2)
            .set_cipher_list("ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES128-GCM-SHA256");
        negotiated b = co_await negotiate(port, v12);
        EXPECT_EQ(b.cipher, "ECDHE-ECDSA-AES128-GCM-SHA256") << b.failure;
        EXPECT_TRUE(b.answer.starts_with("HTTP/1.1 200 OK\r\n")) << b.answer;

        auto other13 = client_context();
        other13.set_min_version(net::tls_version::tls1_3).set_ciphersuites("TLS_AES_256_GCM_SHA384");
        negotiated c = co_await negotiate(port, other13);
        EXPECT_EQ(c.cipher, "");
        EXPECT_NE(c.failure.find("handshake failure"), std::string::npos) << c.failure;

        auto other12 = client_context();
        other12.set_max_version(net::tls_version::tls1_2).set_cipher_list("ECDHE-ECDSA-AES256-GCM-SHA384");
        negotiated d = co_await negotiate(port, other12);
        EXPECT_EQ(d.cipher, "");
        EXPECT_NE(d.failure.find("handshake failure"), std::string::npos) << d.failure;

        // The HTTP client says the same, as a client_error of kind tls naming the URL.
        http::client_options o;
        o.tls = other13;
        http::client hc(o);
        http::client_error::kind_t kind{};
        const std::string msg = co_await failure_of(hc, https_url(port) + "/", &kind);
        EXPECT_EQ(kind, http::client_error::tls) << msg;
        EXPECT_EQ(msg.rfind("GET " + https_url(port) + "/: TLS handshake with 127.0.0.1: ", 0), 0u) << msg;
        EXPECT_NE(msg.find("handshake failure"), std::string::npos) << msg;
    }));
}

TEST_P(https, other_schemes_are_refused_by_name) {
    runtime rt(config(1));
    rt.block_on([]() -> task<void> {
        http::client c;
        http::client_error::kind_t kind{};
        std::string what = co_await failure_of(c, "ftp://127.0.0.1:21/x", &kind);
        EXPECT_EQ(kind, http::client_error::unsupported_scheme) << what;
        EXPECT_NE(what.find("unsupported scheme 'ftp'"), std::string::npos) << what;
    }());
}

}  // namespace
}  // namespace weft::test
