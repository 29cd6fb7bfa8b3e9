// test_https.cpp — weft::http over TLS, under both drivers: the client against our HTTPS
// server (keep-alive reuse, bodies with checksums, a private CA from a file, SNI and the
// host name check from the URL), verification failures as client_errors of kind tls with
// OpenSSL's reason, the pool keyed by scheme, and the server closing a client that never
// finishes its handshake.
#include <gtest/gtest.h>

#include <string>

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
