// test_http_expect.cpp — Expect: 100-continue, both ends: the client sends a large body only
// after 100 Continue (weft's server sends it when the handler reads the body), after
// expect_timeout from a server that ignores Expect, never to a server that answers first
// (and does not reuse that connection), and again without Expect after a 417.
#include <gtest/gtest.h>

#include <atomic>

#include <weft/sleep.hpp>

#include "http_test_support.hpp"

namespace weft::test {
namespace {

class http_expect : public io_test {};
WEFT_IO_TEST_SUITE(http_expect);

std::string base_of(std::uint16_t port) { return "http://127.0.0.1:" + std::to_string(port); }

std::string sum_of(const std::string& s) {
    return std::to_string(checksum(std::as_bytes(std::span(s.data(), s.size()))));
}

// The client's options for these tests: Expect above 1000 bytes, a bounded request.
http::client_options expecting(std::chrono::milliseconds wait) {
    http::client_options o;
    o.expect_continue_threshold = 1000;
    o.expect_timeout = wait;
    o.total_timeout = 20s;
    return o;
}

// "EXPECT LENGTH CHECKSUM" of the request (EXPECT: the field's value, or "-").
task<http::response> expect_echo(http::request& req) {
    const std::string expect(req.header("expect").value_or("-"));
    std::string body = co_await req.text();
    co_return http::response::text(expect + " " + std::to_string(body.size()) + " " + sum_of(body));
}

// Refuses without reading the body.
task<http::response> refuse(http::request&) { co_return http::response(401, "no", "text/plain"); }

// Against weft's server: the 100 comes when the handler reads the body. The client waits up
// to 60 s for it, so only the 100 lets this finish within the 20 s total.
TEST_P(http_expect, sends_the_body_after_100_continue) {
    runtime rt(config(2));
    rt.block_on(with_server(expect_echo, {}, [](std::uint16_t port, http::server&) -> task<void> {
        http::client c(expecting(60s));
        const std::string big(200'000, 'b');
        auto r = co_await c.request("POST", base_of(port) + "/", {}, big);
        EXPECT_EQ(r.status(), 200u);
        EXPECT_EQ(co_await r.text(), "100-continue 200000 " + sum_of(big));
        // Small bodies go without Expect, on the same (kept) connection.
        auto r2 = co_await c.request("POST", base_of(port) + "/", {}, "small");
        EXPECT_EQ(co_await r2.text(), "- 5 " + sum_of("small"));
        EXPECT_EQ(c.connections_opened(), 1u);
    }));
}

// A handler that answers without reading: the client never sends the body and does not reuse
// the connection (the server closes it too: it never sent 100).
TEST_P(http_expect, withholds_the_body_from_weft_server_that_refuses) {
    runtime rt(config(2));
    rt.block_on(with_server(refuse, {}, [](std::uint16_t port, http::server& srv) -> task<void> {
        http::client c(expecting(60s));
        auto r = co_await c.request("POST", base_of(port) + "/", {}, std::string(200'000, 'b'));
        EXPECT_EQ(r.status(), 401u);
        EXPECT_EQ(co_await r.text(), "no");
        auto r2 = co_await c.get(base_of(port) + "/");
        EXPECT_EQ(r2.status(), 401u);
        co_await r2.text();
        EXPECT_EQ(c.connections_opened(), 2u);
        EXPECT_EQ(srv.connections_opened(), 2u);
    }));
}

// Reads a request head from s; the bytes read past it are left in `rest`.
task<std::string> read_head_of(net::tcp_stream& s, std::string& rest) {
    std::string got;
    char buf[4096];
    while (got.find("\r\n\r\n") == std::string::npos) {
        const std::size_t n = co_await s.read_some(std::as_writable_bytes(std::span(buf)));
        if (n == 0) break;
        got.append(buf, n);
    }
    const auto end = got.find("\r\n\r\n");
    if (end == std::string::npos) co_return got;
    rest = got.substr(end + 4);
    co_return got.substr(0, end + 4);
}

// n bytes of body, after `rest`.
task<std::string> read_body_of(net::tcp_stream& s, std::string rest, std::size_t n) {
    char buf[16384];
    while (rest.size() < n) {
        const std::size_t k = co_await s.read_some(std::as_writable_bytes(std::span(buf)));
        if (k == 0) break;
        rest.append(buf, k);
    }
    co_return rest;
}

// Awaits a spawned task (for weft::timeout).
task<void> joined(join_handle<void> h) { co_await h; }

struct raw_seen {
    std::string head;           // the first connection's request head
    std::size_t with_head = 0;  // body bytes that came with it
    std::size_t after = 0;      // bytes sent after it on that connection
    bool eof = false;           // the client closed that connection
    std::string second_head;    // the next connection's request head
};

// Ignores Expect: reads the head, then the body (Content-Length 200000), answers
// "LENGTH CHECKSUM".
task<void> ignoring_server(net::tcp_listener* l, raw_seen* seen) {
    auto s = co_await l->accept();
    std::string rest;
    seen->head = co_await read_head_of(s, rest);
    seen->with_head = rest.size();
    std::string body = co_await read_body_of(s, std::move(rest), 200'000);
    std::string text = std::to_string(body.size()) + " " + sum_of(body);
    co_await s.write_all(
        weft::as_bytes("HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(text.size()) + "\r\n\r\n" + text));
    co_await sleep_for(100ms);
}

// The expect_timeout path: no 100 comes, so the body follows once the wait is over (and not
// with the head).
TEST_P(http_expect, sends_the_body_after_expect_timeout_to_a_server_that_ignores_expect) {
    runtime rt(config(2));
    auto body = []() -> task<void> {
        auto l = net::tcp_listener::bind(net::socket_address::parse("127.0.0.1:0"));
        raw_seen seen;
        auto srv = weft::spawn(ignoring_server(&l, &seen));
        http::client c(expecting(500ms));
        const std::string big(200'000, 'i');
        auto r = co_await c.request("POST", base_of(l.local_address().port()) + "/", {}, big);
        EXPECT_EQ(r.status(), 200u);
        EXPECT_EQ(co_await r.text(), "200000 " + sum_of(big));
        EXPECT_NE(seen.head.find("\r\nExpect: 100-continue\r\n"), std::string::npos) << seen.head;
        EXPECT_EQ(seen.with_head, 0u);  // the body waited
        co_await weft::timeout(5s, joined(std::move(srv)));
    };
    rt.block_on(body());
}

// Answers the head at once with 413, keeping the connection open, and watches what the
// client sends on it afterwards; then serves one more connection (a plain 200).
task<void> rejecting_server(net::tcp_listener* l, raw_seen* seen) {
    auto s = co_await l->accept();
    std::string rest;
    seen->head = co_await read_head_of(s, rest);
    seen->with_head = rest.size();
    co_await s.write_all(weft::as_bytes("HTTP/1.1 413 Content Too Large\r\nContent-Length: 4\r\n\r\nnope"));
    auto drain = [](net::tcp_stream* st, raw_seen* out) -> task<void> {
        char buf[16384];
        while (true) {
            std::size_t n = 0;
            try {
                n = co_await st->read_some(std::as_writable_bytes(std::span(buf)));
            } catch (const system_error&) {
                co_return;
            }
            if (n == 0) {
                out->eof = true;
                co_return;
            }
            out->after += n;
        }
    };
    try {
        co_await weft::timeout(5s, drain(&s, seen));
    } catch (const timeout_error&) {
    }
    auto s2 = co_await l->accept();
    seen->second_head = co_await read_head_of(s2, rest);
    co_await s2.write_all(weft::as_bytes("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));
    co_await sleep_for(100ms);
}

TEST_P(http_expect, withholds_the_body_from_a_server_that_rejects_early_and_does_not_reuse_the_connection) {
    runtime rt(config(2));
    auto body = []() -> task<void> {
        auto l = net::tcp_listener::bind(net::socket_address::parse("127.0.0.1:0"));
        raw_seen seen;
        auto srv = weft::spawn(rejecting_server(&l, &seen));
        http::client c(expecting(60s));
        const std::string url = base_of(l.local_address().port()) + "/";
        auto r = co_await c.request("POST", url, {}, std::string(200'000, 'r'));
        EXPECT_EQ(r.status(), 413u);
        EXPECT_EQ(co_await r.text(), "nope");
        auto r2 = co_await c.get(url);  // a new connection: the first may still await a body
        EXPECT_EQ(co_await r2.text(), "ok");
        EXPECT_EQ(c.connections_opened(), 2u);
        co_await weft::timeout(10s, joined(std::move(srv)));
        EXPECT_NE(seen.head.find("\r\nExpect: 100-continue\r\n"), std::string::npos) << seen.head;
        EXPECT_EQ(seen.with_head, 0u);
        EXPECT_EQ(seen.after, 0u);  // the body was never sent
        EXPECT_TRUE(seen.eof);      // and the connection was closed, not kept
        EXPECT_TRUE(seen.second_head.starts_with("GET / HTTP/1.1\r\n")) << seen.second_head;
    };
    rt.block_on(body());
}

// 417 Expectation Failed, then a server that takes the request without Expect.
task<void> expectation_failing_server(net::tcp_listener* l, raw_seen* seen) {
    {
        auto s = co_await l->accept();
        std::string rest;
        seen->head = co_await read_head_of(s, rest);
        co_await s.write_all(weft::as_bytes("HTTP/1.1 417 Expectation Failed\r\nContent-Length: 0\r\n\r\n"));
    }
    auto s2 = co_await l->accept();
    std::string rest;
    seen->second_head = co_await read_head_of(s2, rest);
    std::string body = co_await read_body_of(s2, std::move(rest), 5000);
    std::string text = std::to_string(body.size()) + " " + sum_of(body);
    co_await s2.write_all(
        weft::as_bytes("HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(text.size()) + "\r\n\r\n" + text));
    co_await sleep_for(100ms);
}

TEST_P(http_expect, sends_again_without_expect_after_417) {
    runtime rt(config(2));
    auto body = []() -> task<void> {
        auto l = net::tcp_listener::bind(net::socket_address::parse("127.0.0.1:0"));
        raw_seen seen;
        auto srv = weft::spawn(expectation_failing_server(&l, &seen));
        http::client c(expecting(60s));
        const std::string payload(5000, 'e');
        auto r = co_await c.request("PUT", base_of(l.local_address().port()) + "/x", {}, payload);
        EXPECT_EQ(r.status(), 200u);
        EXPECT_EQ(co_await r.text(), "5000 " + sum_of(payload));
        co_await weft::timeout(10s, joined(std::move(srv)));
        EXPECT_NE(seen.head.find("\r\nExpect: 100-continue\r\n"), std::string::npos) << seen.head;
        EXPECT_EQ(seen.second_head.find("Expect:"), std::string::npos) << seen.second_head;
    };
    rt.block_on(body());
}

TEST(http_expect_options, an_expect_timeout_that_is_not_positive_is_refused) {
    http::client_options o;
    o.expect_timeout = 0ms;
    try {
        http::client c(o);
        ADD_FAILURE() << "no error";
    } catch (const config_error& e) {
        EXPECT_NE(std::string(e.what()).find("expect_timeout"), std::string::npos) << e.what();
    }
    o.expect_continue_threshold = 0;  // no Expect: the wait is never used
    http::client c(o);
}

}  // namespace
}  // namespace weft::test
