// test_http_client.cpp — the client against weft's server and against raw servers: the
// pool (reuse, the per-host maximum, idle expiry, a stale connection retried), redirects,
// every timeout, errors that name the URL, malformed responses, streamed bodies.
#include <gtest/gtest.h>

#include <array>
#include <atomic>

#include <weft/http/router.hpp>
#include <weft/sleep.hpp>
#include <weft/task_group.hpp>

#include "http_test_support.hpp"

namespace weft::test {
namespace {

class http_client : public io_test {};
WEFT_IO_TEST_SUITE(http_client);

std::string base_of(std::uint16_t port) { return "http://127.0.0.1:" + std::to_string(port); }

TEST_P(http_client, reuses_pooled_connections) {
    runtime rt(config(2));
    rt.block_on(with_server(hello_handler, {}, [](std::uint16_t port, http::server& srv) -> task<void> {
        http::client c;
        for (int i = 0; i < 10; ++i) {
            auto r = co_await c.get(base_of(port) + "/");
            EXPECT_EQ(co_await r.text(), "Hello, World!");
        }
        EXPECT_EQ(c.connections_opened(), 1u);
        EXPECT_EQ(srv.connections_opened(), 1u);
        EXPECT_EQ(c.idle_connections(), 1u);
        // A response dropped before its body is read takes its connection with it.
        {
            auto r = co_await c.get(base_of(port) + "/");
            EXPECT_EQ(r.status(), 200u);
        }
        auto r = co_await c.get(base_of(port) + "/");
        co_await r.discard();
        EXPECT_EQ(c.connections_opened(), 2u);
        c.close_idle();
        EXPECT_EQ(c.idle_connections(), 0u);
    }));
}

// Counts the connections open at once on the server side.
std::atomic<int> in_handler{0}, most_in_handler{0};
task<http::response> counting(http::request&) {
    int now = in_handler.fetch_add(1) + 1;
    int seen = most_in_handler.load();
    while (now > seen && !most_in_handler.compare_exchange_weak(seen, now)) {
    }
    co_await sleep_for(20ms);
    in_handler.fetch_sub(1);
    co_return http::response::text("ok");
}

TEST_P(http_client, opens_at_most_max_connections_per_host) {
    in_handler = 0;
    most_in_handler = 0;
    runtime rt(config(2));
    rt.block_on(with_server(counting, {}, [](std::uint16_t port, http::server& srv) -> task<void> {
        http::client_options o;
        o.max_connections_per_host = 4;
        http::client c(o);
        const std::string url = base_of(port) + "/";
        task_group g;
        for (int i = 0; i < 40; ++i)
            (void)g.spawn([](http::client* cl, const std::string* u) -> task<void> {
                auto r = co_await cl->get(*u);
                EXPECT_EQ(co_await r.text(), "ok");
            }(&c, &url));
        co_await g.join();
        EXPECT_LE(most_in_handler.load(), 4);
        EXPECT_EQ(c.connections_opened(), 4u);
        EXPECT_EQ(srv.connections_opened(), 4u);
    }));
}

TEST_P(http_client, closes_connections_idle_too_long) {
    runtime rt(config(2));
    rt.block_on(with_server(hello_handler, {}, [](std::uint16_t port, http::server&) -> task<void> {
        http::client_options o;
        o.idle_timeout = 100ms;
        http::client c(o);
        co_await (co_await c.get(base_of(port) + "/")).discard();
        co_await sleep_for(300ms);
        co_await (co_await c.get(base_of(port) + "/")).discard();
        EXPECT_EQ(c.connections_opened(), 2u);
    }));
}

// The server closed the pooled connection (its idle timeout is shorter than ours): the
// request goes out again on a new connection, unseen by the caller.
TEST_P(http_client, retries_once_on_a_stale_pooled_connection) {
    runtime rt(config(2));
    http::server_options so;
    so.limits.idle_timeout = 100ms;
    rt.block_on(with_server(echo_handler, so, [](std::uint16_t port, http::server&) -> task<void> {
        http::client c;
        co_await (co_await c.get(base_of(port) + "/a")).discard();
        co_await sleep_for(400ms);  // the server has closed it; the pool does not know yet
        http::request_options post;
        post.body = "again";
        auto r = co_await c.request("POST", base_of(port) + "/b", post);
        EXPECT_EQ(co_await r.text(), "POST /b  5 " + std::to_string(checksum(weft::as_bytes("again"))));
        EXPECT_EQ(c.connections_opened(), 2u);
    }));
}

task<http::response> redirector(http::request& req) {
    const std::string_view p = req.path();
    if (p.starts_with("/hop/")) {
        int n = std::stoi(std::string(p.substr(5)));
        if (n == 0) co_return http::response::text("arrived " + std::string(req.method()));
        co_return http::response::redirect("/hop/" + std::to_string(n - 1), 302);
    }
    if (p == "/relative/a/b") co_return http::response::redirect("../c", 301);
    if (p == "/relative/c") co_return http::response::text("relative ok");
    if (p == "/see-other") co_return http::response::redirect("/hop/0", 303);
    if (p == "/temporary") co_return http::response::redirect("/echo", 307);
    if (p == "/echo") co_return http::response::text(std::string(req.method()) + " " + co_await req.text());
    if (p == "/loop") co_return http::response::redirect("/loop", 302);
    co_return http::response(404);
}

TEST_P(http_client, follows_redirects_up_to_the_limit) {
    runtime rt(config(2));
    rt.block_on(with_server(redirector, {}, [](std::uint16_t port, http::server&) -> task<void> {
        http::client c;
        auto r = co_await c.get(base_of(port) + "/hop/5");
        EXPECT_EQ(co_await r.text(), "arrived GET");
        EXPECT_EQ(r.url(), base_of(port) + "/hop/0");
        auto rel = co_await c.get(base_of(port) + "/relative/a/b");
        EXPECT_EQ(co_await rel.text(), "relative ok");
        http::request_options post;
        post.body = "payload";
        auto seen = co_await c.request("POST", base_of(port) + "/see-other", post);  // 303: GET, no body
        EXPECT_EQ(co_await seen.text(), "arrived GET");
        auto kept = co_await c.request("POST", base_of(port) + "/temporary", post);  // 307: same method, body
        EXPECT_EQ(co_await kept.text(), "POST payload");
        http::headers extra{{"X-A", "1"}};  // (named: gcc 12 rejects a braced list inside co_await)
        auto put = co_await c.request("PUT", base_of(port) + "/temporary", extra, "body two");
        EXPECT_EQ(co_await put.text(), "PUT body two");
        http::request_options manual;
        manual.follow_redirects = false;
        auto first = co_await c.request("GET", base_of(port) + "/hop/2", manual);
        EXPECT_EQ(first.status(), 302u);
        EXPECT_EQ(first.header("location").value_or(""), "/hop/1");
        co_await first.discard();
        std::string what;
        try {
            co_await c.get(base_of(port) + "/loop");
        } catch (const http::client_error& e) {
            EXPECT_EQ(e.kind(), http::client_error::too_many_redirects);
            what = e.what();
        }
        EXPECT_EQ(what, "GET " + base_of(port) + "/loop: more than 10 redirects");
        EXPECT_EQ(c.connections_opened(), 1u);  // every hop on the one connection
    }));
}

// What the errors say: the method, the URL, what failed.
TEST_P(http_client, errors_name_the_url_and_what_failed) {
    runtime rt(config(2));
    auto body = []() -> task<void> {
        std::uint16_t closed_port;
        {
            auto l = net::tcp_listener::bind(net::socket_address::parse("127.0.0.1:0"));
            closed_port = l.local_address().port();
        }
        http::client c;
        auto message = [](http::client* cl, std::string url, http::client_error::kind_t* kind) -> task<std::string> {
            try {
                co_await cl->get(std::move(url));
            } catch (const http::client_error& e) {
                *kind = e.kind();
                co_return e.what();
            }
            co_return "no error";
        };
        http::client_error::kind_t k{};
        const std::string refused = "http://127.0.0.1:" + std::to_string(closed_port) + "/";
        EXPECT_EQ(co_await message(&c, refused, &k), "GET " + refused + ": connect: Connection refused");
        EXPECT_EQ(k, http::client_error::connect);
        EXPECT_EQ(co_await message(&c, "not a url", &k),
                  "GET not a url: URL 'not a url': contains a space or a control character");
        EXPECT_EQ(k, http::client_error::invalid_url);
        EXPECT_EQ(co_await message(&c, "ftp://127.0.0.1:21/x", &k),
                  "GET ftp://127.0.0.1:21/x: unsupported scheme 'ftp'");
        EXPECT_EQ(k, http::client_error::unsupported_scheme);
    };
    rt.block_on(body());
}

// A raw server: answers each connection with `reply` (after reading a request head).
task<void> raw_server(net::tcp_listener* l, std::string reply, int connections) {
    for (int i = 0; i < connections; ++i) {
        auto s = co_await l->accept();
        char buf[4096];
        std::string got;
        while (got.find("\r\n\r\n") == std::string::npos) {
            std::size_t n = co_await s.read_some(std::as_writable_bytes(std::span(buf)));
            if (n == 0) break;
            got.append(buf, n);
        }
        if (!reply.empty()) co_await s.write_all(weft::as_bytes(reply));
        if (reply.empty()) co_await sleep_for(2s);  // never answers
    }
}

TEST_P(http_client, reports_malformed_responses) {
    runtime rt(config(2));
    auto body = []() -> task<void> {
        auto l = net::tcp_listener::bind(net::socket_address::parse("127.0.0.1:0"));
        const std::string url = base_of(l.local_address().port()) + "/";
        http::client c;
        struct {
            const char* reply;
            const char* expect;
        } cases[] = {
            {"HTTX/1.1 200 OK\r\n\r\n", "malformed response: "},
            {"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello",
             "malformed response: Content-Length together with Transfer-Encoding, or more than one Content-Length"},
            {"HTTP/1.1 200 OK\r\nX: a\r\n b\r\nContent-Length: 0\r\n\r\n",
             "malformed response: obsolete line folding in a header field"},
            {"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello",
             "receive: the server closed the connection before the end of the body"},
        };
        for (const auto& cs : cases) {
            auto server = weft::spawn(raw_server(&l, cs.reply, 1));
            std::string what;
            try {
                auto r = co_await c.get(url);
                co_await r.text();
            } catch (const http::client_error& e) {
                what = e.what();
            }
            EXPECT_TRUE(what.starts_with("GET " + url + ": " + cs.expect)) << what;
            co_await server;
        }
        // Bare LF line endings are accepted in responses (RFC 9112 2.2), as is a body to EOF.
        auto server = weft::spawn(raw_server(&l, "HTTP/1.0 200 OK\nX-A: 1\n\nuntil the end", 1));
        auto r = co_await c.get(url);
        EXPECT_EQ(r.header("x-a").value_or(""), "1");
        auto task = r.text();  // the raw server closes the connection after writing
        EXPECT_EQ(co_await std::move(task), "until the end");
        co_await server;
    };
    rt.block_on(body());
}

TEST_P(http_client, times_out_cleanly) {
    runtime rt(config(2));
    auto body = []() -> task<void> {
        // connect: a listener whose backlog is full drops new SYNs.
        net::bind_options no_backlog;
        no_backlog.backlog = 0;
        auto full = net::tcp_listener::bind(net::socket_address::parse("127.0.0.1:0"), no_backlog);
        const std::uint16_t full_port = full.local_address().port();
        std::vector<net::tcp_stream> fillers;
        for (int i = 0; i < 4; ++i) {
            auto filler = co_await weft::try_timeout(200ms, net::tcp_stream::connect("127.0.0.1", full_port));
            if (filler) fillers.push_back(std::move(*filler));
        }
        http::client_options o;
        o.connect_timeout = 200ms;
        http::client c(o);
        std::string what;
        try {
            co_await c.get(base_of(full_port) + "/");
        } catch (const http::client_error& e) {
            what = e.what();
        }
        EXPECT_EQ(what, "GET " + base_of(full_port) + "/: connect: timed out after 200 ms");

        // request: the server reads the request and never answers.
        auto l = net::tcp_listener::bind(net::socket_address::parse("127.0.0.1:0"));
        const std::string url = base_of(l.local_address().port()) + "/";
        auto silent = weft::spawn(raw_server(&l, "", 2));
        http::client_options ro;
        ro.request_timeout = 200ms;
        http::client rc(ro);
        what.clear();
        try {
            co_await rc.get(url);
        } catch (const http::client_error& e) {
            EXPECT_EQ(e.kind(), http::client_error::timeout);
            what = e.what();
        }
        EXPECT_EQ(what, "GET " + url + ": timed out after 200 ms");
        EXPECT_EQ(rc.idle_connections(), 0u);  // the timed-out connection was closed, not pooled
        // total
        http::client_options to;
        to.total_timeout = 150ms;
        http::client tc(to);
        what.clear();
        try {
            co_await tc.get(url);
        } catch (const http::client_error& e) {
            what = e.what();
        }
        EXPECT_EQ(what, "GET " + url + ": timed out after 150 ms");
        silent.cancel();
        try {
            co_await silent;
        } catch (const cancelled_error&) {
        }
    };
    rt.block_on(body());
}

// A body that stalls after the head: the read gives up after read_timeout.
task<http::response> stalling(http::request&) {
    co_return http::response::stream([](http::body_writer& w) -> task<void> {
        co_await w.write("first piece");
        co_await sleep_for(60s);
    });
}

TEST_P(http_client, read_timeout_covers_the_body) {
    runtime rt(config(2));
    http::server_options so;
    so.grace_period = 100ms;  // the stalled producer is cancelled when the test ends
    rt.block_on(with_server(stalling, so, [](std::uint16_t port, http::server&) -> task<void> {
        http::client_options o;
        o.read_timeout = 200ms;
        http::client c(o);
        auto r = co_await c.get(base_of(port) + "/");
        auto piece = co_await r.read_chunk();
        EXPECT_EQ(std::string_view(reinterpret_cast<const char*>(piece.data()), piece.size()), "first piece");
        std::string what;
        try {
            co_await r.read_chunk();
        } catch (const http::client_error& e) {
            what = e.what();
        }
        EXPECT_EQ(what, "GET " + base_of(port) + "/: receive: timed out after 200 ms");
    }));
}

// total_timeout bounds the whole fetch: a body that stalls after its first piece too.
TEST_P(http_client, total_timeout_covers_the_body) {
    runtime rt(config(2));
    http::server_options so;
    so.grace_period = 100ms;
    rt.block_on(with_server(stalling, so, [](std::uint16_t port, http::server&) -> task<void> {
        http::client_options o;
        o.total_timeout = 300ms;  // read_timeout stays 30 s
        http::client c(o);
        auto r = co_await c.get(base_of(port) + "/");
        std::string what;
        try {
            co_await r.text();
        } catch (const http::client_error& e) {
            EXPECT_EQ(e.kind(), http::client_error::timeout);
            what = e.what();
        }
        EXPECT_EQ(what, "GET " + base_of(port) + "/: timed out after 300 ms");
    }));
}

TEST_P(http_client, streams_bodies_both_ways) {
    runtime rt(config(2));
    rt.block_on(with_server(echo_handler, {}, [](std::uint16_t port, http::server&) -> task<void> {
        http::client c;
        http::request_options o;
        o.stream = [](http::body_writer& w) -> task<void> {
            for (int i = 0; i < 100; ++i) co_await w.write("0123456789");
        };
        auto r = co_await c.request("PUT", base_of(port) + "/s", o);
        std::string whole(1000, ' ');
        for (int i = 0; i < 100; ++i) std::memcpy(whole.data() + i * 10, "0123456789", 10);
        // read_some in small pieces
        std::string got;
        char buf[7];
        while (std::size_t n = co_await r.read_some(std::as_writable_bytes(std::span(buf)))) got.append(buf, n);
        EXPECT_EQ(got, "PUT /s  1000 " + std::to_string(checksum(weft::as_bytes(whole))));
        auto head = co_await c.request("HEAD", base_of(port) + "/h");
        EXPECT_EQ(head.status(), 200u);
        EXPECT_EQ(co_await head.text(), "");
        EXPECT_EQ(c.connections_opened(), 1u);
    }));
}

task<http::response> kilobyte(http::request&) { co_return http::response::text(std::string(1000, 'k')); }

TEST_P(http_client, limits_what_text_gathers) {
    runtime rt(config(1));
    rt.block_on(with_server(kilobyte, {}, [](std::uint16_t port, http::server&) -> task<void> {
        http::client_options o;
        o.max_body_bytes = 100;
        http::client c(o);
        std::string what;
        try {
            auto r = co_await c.get(base_of(port) + "/");
            co_await r.text();
        } catch (const http::client_error& e) {
            EXPECT_EQ(e.kind(), http::client_error::body_too_large);
            what = e.reason();
        }
        EXPECT_EQ(what, "the body is larger than 100 bytes");
        // Streamed, the same body is read whole: the limit is text()'s and body()'s.
        auto r = co_await c.get(base_of(port) + "/");
        std::size_t total = 0;
        while (true) {
            auto piece = co_await r.read_chunk();
            if (piece.empty()) break;
            total += piece.size();
        }
        EXPECT_EQ(total, 1000u);
        // read_some() then read_chunk(): what read_some() left over is not lost.
        auto r2 = co_await c.get(base_of(port) + "/");
        std::array<std::byte, 10> ten{};
        total = co_await r2.read_some(ten);
        while (true) {
            auto piece = co_await r2.read_chunk();
            if (piece.empty()) break;
            total += piece.size();
        }
        EXPECT_EQ(total, 1000u);
    }));
}

TEST(http_url, parses_and_resolves) {
    auto u = http::url::parse("HTTP://Example.COM:8080/a/b?x=1#frag");
    EXPECT_EQ(u.scheme(), "http");
    EXPECT_EQ(u.host(), "example.com");
    EXPECT_EQ(u.port(), 8080);
    EXPECT_EQ(u.target(), "/a/b?x=1");
    EXPECT_EQ(u.str(), "http://example.com:8080/a/b?x=1");
    EXPECT_EQ(http::url::parse("http://[::1]/").authority(), "[::1]");
    EXPECT_EQ(http::url::parse("http://h").target(), "/");
    EXPECT_EQ(http::url::parse("http://h:80/").str(), "http://h/");
    EXPECT_EQ(u.resolve("../c").str(), "http://example.com:8080/c");
    EXPECT_EQ(u.resolve("c/./d").str(), "http://example.com:8080/a/c/d");
    EXPECT_EQ(u.resolve("/x?y").str(), "http://example.com:8080/x?y");
    EXPECT_EQ(u.resolve("?q").str(), "http://example.com:8080/a/b?q");
    EXPECT_EQ(u.resolve("//other/p").str(), "http://other/p");
    EXPECT_EQ(u.resolve("https://s/").str(), "https://s/");
    EXPECT_THROW(http::url::parse("/relative"), http::url_error);
    EXPECT_THROW(http::url::parse("http://h:99999/"), http::url_error);
    EXPECT_THROW(http::url::parse("http://h/a b"), http::url_error);
    EXPECT_THROW(http::url::parse("ftp://h/"), http::url_error);
    EXPECT_THROW(http::url::parse(""), http::url_error);
}

TEST(http_headers, check_what_they_are_given) {
    http::headers h{{"Accept", "text/plain"}};
    h.add("X-A", "1");
    h.add("x-a", "2");
    EXPECT_EQ(h.get("x-A").value_or(""), "1");
    h.set("X-A", "3");
    EXPECT_EQ(h.size(), 2u);
    EXPECT_EQ(h.get("x-a").value_or(""), "3");
    EXPECT_EQ(h.erase("ACCEPT"), 1u);
    EXPECT_THROW(h.add("Bad Name", "v"), http::header_error);
    EXPECT_THROW(h.add("X-B", "a\r\nInjected: 1"), http::header_error);
    EXPECT_THROW(h.set("", "v"), http::header_error);
}

}  // namespace
}  // namespace weft::test
