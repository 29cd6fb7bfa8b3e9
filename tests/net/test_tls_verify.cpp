// Certificate verification failures, each with its message: an unknown CA, a self-signed
// certificate, an expired one, a wrong host name (and IP address); the server learns why
// from the client's alert; verification can be turned off for throwaway test servers.
#include <weft/net/unix.hpp>

#include "tls_test_support.hpp"

namespace {

using weft::task;
using weft::net::tls_context;
using weft::test::tls_tcp;

class tls_verify : public weft::test::io_test {};
WEFT_IO_TEST_SUITE(tls_verify);

struct outcome {
    std::string client_error;  // empty: the handshake succeeded
    std::string reason;        // tls_verify_error::reason()
    std::string server_error;
};

tls_context server_with(const weft::test::tls_identity& id) {
    auto c = tls_context::server();
    c.use_certificate_chain(id.certificate_pem).use_private_key(id.private_key_pem);
    return c;
}

// One handshake of a client trusting the shared CA against a server presenting `id`.
outcome attempt(weft::runtime& rt, const weft::test::tls_identity& id, std::string name,
                tls_context cctx = weft::test::client_context()) {
    auto run = [](tls_context sctx, tls_context cctx, std::string name) -> task<outcome> {
        outcome o;
        auto l = weft::net::tcp_listener::bind(weft::test::loopback());
        auto server = weft::spawn(weft::test::accept_tls(&l, sctx));
        try {
            tls_tcp c = co_await weft::test::connect_tls(l.local_address(), cctx, name);
            // TLS 1.3: the server's failures reach the client at its first read.
            co_await c.write_all(weft::as_bytes("x"));
            c.close();
        } catch (const weft::net::tls_verify_error& e) {
            o.client_error = e.what();
            o.reason = e.reason();
        } catch (const weft::net::tls_error& e) {
            o.client_error = e.what();
        }
        try {
            co_await server;
        } catch (const weft::net::tls_error& e) {
            o.server_error = e.what();
        }
        co_return o;
    };
    return rt.block_on(run(server_with(id), std::move(cctx), std::move(name)));
}

TEST_P(tls_verify, unknown_ca) {
    weft::runtime rt(config(1));
    weft::test::test_ca other("some other CA");
    auto o = attempt(rt, other.issue(), "example.test");
    EXPECT_NE(o.client_error.find("TLS handshake with example.test"), std::string::npos) << o.client_error;
    EXPECT_NE(o.client_error.find("certificate verify failed: unable to get local issuer certificate"),
              std::string::npos)
        << o.client_error;
    EXPECT_NE(o.server_error.find("tlsv1 alert unknown ca"), std::string::npos) << o.server_error;
}

TEST_P(tls_verify, self_signed) {
    weft::runtime rt(config(1));
    auto o = attempt(rt, weft::test::test_ca::self_signed(), "example.test");
    EXPECT_NE(o.client_error.find("certificate verify failed: self-signed certificate"), std::string::npos)
        << o.client_error;
    EXPECT_EQ(o.reason.rfind("self-signed certificate", 0), 0u) << o.reason;
}

TEST_P(tls_verify, expired) {
    weft::runtime rt(config(1));
    auto id =
        weft::test::shared_ca().issue({.not_before = std::chrono::hours(-48), .not_after = std::chrono::hours(-24)});
    auto o = attempt(rt, id, "example.test");
    EXPECT_NE(o.client_error.find("certificate verify failed: certificate has expired"), std::string::npos)
        << o.client_error;
    EXPECT_NE(o.server_error.find("certificate expired"), std::string::npos) << o.server_error;
}

TEST_P(tls_verify, wrong_host_name) {
    weft::runtime rt(config(1));
    auto id = weft::test::shared_ca().issue({.dns_names = {"other.test"}, .ip_addresses = {}});
    auto o = attempt(rt, id, "example.test");
    EXPECT_NE(o.client_error.find(
                  "certificate verify failed: hostname mismatch: expected example.test, certificate for other.test"),
              std::string::npos)
        << o.client_error;
    EXPECT_EQ(o.reason, "hostname mismatch: expected example.test, certificate for other.test");

    auto by_ip = attempt(rt, id, "127.0.0.1");  // an IP literal is checked against IP entries
    EXPECT_NE(by_ip.client_error.find("IP address mismatch: expected 127.0.0.1, certificate for other.test"),
              std::string::npos)
        << by_ip.client_error;
    auto ok = attempt(rt, weft::test::server_identity(), "127.0.0.1");
    EXPECT_EQ(ok.client_error, "");
}

TEST_P(tls_verify, wildcards_match_one_label) {
    weft::runtime rt(config(1));
    auto id = weft::test::shared_ca().issue({.dns_names = {"*.example.test"}, .ip_addresses = {}});
    EXPECT_EQ(attempt(rt, id, "www.example.test").client_error, "");
    EXPECT_NE(attempt(rt, id, "a.b.example.test").client_error.find("hostname mismatch"), std::string::npos);
}

TEST_P(tls_verify, turned_off_it_accepts_anything_and_the_system_store_knows_no_test_ca) {
    weft::runtime rt(config(1));
    auto off = tls_context::client();
    off.set_verify_peer(false);
    EXPECT_EQ(attempt(rt, weft::test::test_ca::self_signed(), "whatever.test", off).client_error, "");
    // The default client context trusts the system store only.
    auto o = attempt(rt, weft::test::server_identity(), "example.test", tls_context::client());
    EXPECT_NE(o.client_error.find("certificate verify failed"), std::string::npos) << o.client_error;
}

TEST_P(tls_verify, a_verifying_client_needs_a_name) {
    weft::runtime rt(config(1));
    auto [a, b] = weft::net::unix_stream::pair();
    try {
        auto s = weft::net::tls_stream<weft::net::unix_stream>::client(std::move(a), weft::test::client_context(), "");
        ADD_FAILURE() << "no exception";
    } catch (const weft::net::tls_error& e) {
        EXPECT_NE(std::string(e.what()).find("needs its host name"), std::string::npos) << e.what();
    }
}

}  // namespace
