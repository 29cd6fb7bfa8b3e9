// test_http_server.cpp — the HTTP server against raw connections and weft's client:
// keep-alive, pipelining, chunked both ways, 100-continue, HEAD, HTTP/1.0, large bodies,
// files, handler failures, the router. Every test runs under both I/O drivers.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <fstream>

#include <weft/http/router.hpp>
#include <weft/sleep.hpp>
#include <weft/when_all.hpp>

#include "http_test_support.hpp"

namespace weft::test {
namespace {

class http_server : public io_test {};
WEFT_IO_TEST_SUITE(http_server);

TEST_P(http_server, answers_hello_with_date_server_and_length) {
    runtime rt(config(2));
    rt.block_on(with_server(hello_handler, {}, [](std::uint16_t port, http::server&) -> task<void> {
        http::client c;
        auto r = co_await c.get("http://127.0.0.1:" + std::to_string(port) + "/");
        EXPECT_EQ(r.status(), 200u);
        EXPECT_EQ(r.reason(), "OK");
        EXPECT_EQ(r.header("content-type").value_or(""), "text/plain");
        EXPECT_EQ(r.header("content-length").value_or(""), "13");
        EXPECT_EQ(r.header("server").value_or(""), "weft");
        EXPECT_EQ(r.header("date").value_or("").size(), 29u);  // "Sun, 06 Nov 1994 08:49:37 GMT"
        EXPECT_EQ(co_await r.text(), "Hello, World!");
    }));
}

TEST_P(http_server, keeps_the_connection_alive) {
    runtime rt(config(2));
    rt.block_on(with_server(hello_handler, {}, [](std::uint16_t port, http::server& srv) -> task<void> {
        std::string req = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
        std::string all =
            co_await raw_exchange(port, req + req + req + "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        EXPECT_EQ(count_of(all, "HTTP/1.1 200 OK\r\n"), 4u);
        EXPECT_EQ(count_of(all, "Connection: close\r\n"), 1u);
        EXPECT_EQ(srv.connections_opened(), 1u);
    }));
}

// Pipelined requests (one with a body) are answered in order, in one write.
TEST_P(http_server, answers_pipelined_requests_in_order) {
    runtime rt(config(2));
    rt.block_on(with_server(echo_handler, {}, [](std::uint16_t port, http::server&) -> task<void> {
        std::string all = co_await raw_exchange(
            port,
            "GET /a?x=1 HTTP/1.1\r\nHost: x\r\n\r\n"
            "POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
            "PUT /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
            "GET /d HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        auto a = all.find("GET /a x=1 0 ");
        auto b = all.find("POST /b  5 ");
        auto c = all.find("PUT /c  3 ");
        auto d = all.find("GET /d  0 ");
        EXPECT_NE(d, std::string::npos) << all;
        WEFT_CO_ASSERT(a != std::string::npos && b != std::string::npos && c != std::string::npos);
        EXPECT_LT(a, b);
        EXPECT_LT(b, c);
        EXPECT_LT(c, d);
    }));
}

TEST_P(http_server, head_gets_the_length_and_no_body) {
    runtime rt(config(1));
    rt.block_on(with_server(hello_handler, {}, [](std::uint16_t port, http::server&) -> task<void> {
        std::string all = co_await raw_exchange(port,
                                                "HEAD / HTTP/1.1\r\nHost: x\r\n\r\n"
                                                "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        EXPECT_EQ(count_of(all, "Content-Length: 13\r\n"), 2u) << all;
        EXPECT_EQ(count_of(all, "Hello, World!"), 1u) << all;
    }));
}

TEST_P(http_server, http10_closes_unless_asked_to_keep_alive) {
    runtime rt(config(1));
    rt.block_on(with_server(hello_handler, {}, [](std::uint16_t port, http::server& srv) -> task<void> {
        std::string one = co_await raw_exchange(port, "GET / HTTP/1.0\r\n\r\nGET / HTTP/1.0\r\n\r\n");
        EXPECT_EQ(count_of(one, "HTTP/1.1 200 OK"), 1u) << one;
        EXPECT_NE(one.find("Connection: close\r\n"), std::string::npos);
        std::string two = co_await raw_exchange(port,
                                                "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"
                                                "GET / HTTP/1.0\r\n\r\n");
        EXPECT_EQ(count_of(two, "HTTP/1.1 200 OK"), 2u) << two;
        EXPECT_EQ(count_of(two, "Connection: keep-alive\r\n"), 1u) << two;
        EXPECT_EQ(srv.connections_opened(), 2u);
    }));
}

// A response streamed in pieces (chunked): query = its length; the bytes are random_bytes(n, 7).
task<http::response> stream_back(http::request& req) {
    const std::size_t n = std::stoul(std::string(req.query()));
    // The producer may capture: the response keeps it until its task has ended.
    co_return http::response::stream([n](http::body_writer& w) -> task<void> {
        auto data = random_bytes(n, 7);
        for (std::size_t off = 0; off < n; off += 10'000)
            co_await w.write(std::span<const std::byte>(data).subspan(off, std::min<std::size_t>(10'000, n - off)));
    });
}

TEST_P(http_server, streams_a_chunked_response) {
    runtime rt(config(2));
    rt.block_on(with_server(stream_back, {}, [](std::uint16_t port, http::server&) -> task<void> {
        http::client c;
        auto r = co_await c.get("http://127.0.0.1:" + std::to_string(port) + "/?1000000");
        EXPECT_EQ(r.header("transfer-encoding").value_or(""), "chunked");
        EXPECT_FALSE(r.content_length());
        std::string body = co_await r.text();
        auto want = random_bytes(1'000'000, 7);
        EXPECT_EQ(body.size(), want.size());
        EXPECT_EQ(checksum(std::as_bytes(std::span(body.data(), body.size()))), checksum(want));
        // The connection went back to the pool after the last chunk.
        EXPECT_EQ(c.idle_connections(), 1u);
        std::string raw = co_await raw_exchange(port, "GET /?25000 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        EXPECT_NE(raw.find("\r\n2710\r\n"), std::string::npos);  // 10,000-byte chunks
        EXPECT_NE(raw.find("\r\n1388\r\n"), std::string::npos);  // and the last 5,000
        EXPECT_TRUE(raw.ends_with("\r\n0\r\n\r\n"));
    }));
}

TEST_P(http_server, reads_large_bodies_both_ways_with_checksums) {
    runtime rt(config(2));
    http::server_options o;
    o.limits.max_body_bytes = 16 << 20;
    rt.block_on(with_server(echo_handler, o, [](std::uint16_t port, http::server&) -> task<void> {
        http::client c;
        const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/up";
        auto data = random_bytes(8 << 20, 3);
        // Content-Length
        http::request_options plain;
        plain.body.assign(reinterpret_cast<const char*>(data.data()), data.size());
        auto r1 = co_await c.request("POST", url, plain);
        EXPECT_EQ(co_await r1.text(),
                  "POST /up  " + std::to_string(data.size()) + " " + std::to_string(checksum(data)));
        // chunked, from a stream
        http::request_options streamed;
        streamed.stream = [&data](http::body_writer& w) -> task<void> {
            for (std::size_t off = 0; off < data.size(); off += 65'536)
                co_await w.write(std::span<const std::byte>(data).subspan(off, 65'536));
        };
        auto r2 = co_await c.request("PUT", url, streamed);
        EXPECT_EQ(co_await r2.text(), "PUT /up  " + std::to_string(data.size()) + " " + std::to_string(checksum(data)));
        EXPECT_EQ(c.connections_opened(), 1u);
    }));
}

// Expect: 100-continue: the interim response comes when the handler reads the body, and
// not at all when it answers without reading it.
task<http::response> maybe_read(http::request& req) {
    if (req.path() == "/read") co_return http::response::text(co_await req.text());
    co_return http::response(403, "no\n");
}

TEST_P(http_server, sends_100_continue_when_the_body_is_read) {
    runtime rt(config(2));
    rt.block_on(with_server(maybe_read, {}, [](std::uint16_t port, http::server&) -> task<void> {
        auto s = co_await net::tcp_stream::connect(net::socket_address::parse("127.0.0.1:" + std::to_string(port)));
        co_await s.write_all(
            weft::as_bytes("POST /read HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n"));
        char buf[4096];
        std::size_t n = co_await weft::timeout(5s, read_some_of(s, buf));
        EXPECT_EQ(std::string_view(buf, n), "HTTP/1.1 100 Continue\r\n\r\n");
        co_await s.write_all(weft::as_bytes("ping"));
        n = co_await weft::timeout(5s, read_some_of(s, buf));
        std::string_view resp(buf, n);
        EXPECT_TRUE(resp.starts_with("HTTP/1.1 200 OK\r\n")) << resp;
        EXPECT_TRUE(resp.ends_with("\r\n\r\nping")) << resp;

        // Refused without reading: no 100, and the connection closes (the body never comes).
        std::string refused = co_await raw_exchange(
            port, "POST /no HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n");
        EXPECT_TRUE(refused.starts_with("HTTP/1.1 403 Forbidden\r\n")) << refused;
        EXPECT_EQ(refused.find("100 Continue"), std::string::npos);
        EXPECT_NE(refused.find("Connection: close\r\n"), std::string::npos);
    }));
}

// An unread small body is drained so the connection stays usable.
TEST_P(http_server, drains_an_unread_body) {
    runtime rt(config(1));
    rt.block_on(with_server(hello_handler, {}, [](std::uint16_t port, http::server& srv) -> task<void> {
        std::string all = co_await raw_exchange(port,
                                                "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n0123456789"
                                                "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        EXPECT_EQ(count_of(all, "Hello, World!"), 2u) << all;
        EXPECT_EQ(srv.connections_opened(), 1u);
    }));
}

task<http::response> failing(http::request& req) {
    if (req.path() == "/throw") throw std::runtime_error("boom");
    if (req.path() == "/teapot") throw http::status_error(418, "short and stout");
    if (req.path() == "/cancelled") throw cancelled_error();
    co_return http::response::text("fine");
}

TEST_P(http_server, handler_exceptions_become_500_and_the_connection_goes_on) {
    runtime rt(config(2));
    rt.block_on(with_server(failing, {}, [](std::uint16_t port, http::server& srv) -> task<void> {
        std::string all = co_await raw_exchange(port,
                                                "GET /throw HTTP/1.1\r\nHost: x\r\n\r\n"
                                                "GET /teapot HTTP/1.1\r\nHost: x\r\n\r\n"
                                                "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        EXPECT_NE(all.find("HTTP/1.1 500 Internal Server Error\r\n"), std::string::npos) << all;
        EXPECT_EQ(all.find("boom"), std::string::npos);  // what() stays in the log
        EXPECT_NE(all.find("HTTP/1.1 418 I'm a teapot\r\n"), std::string::npos) << all;
        EXPECT_NE(all.find("short and stout"), std::string::npos);
        EXPECT_TRUE(all.ends_with("fine")) << all;
        EXPECT_EQ(srv.connections_opened(), 1u);
    }));
}

// A handler's cancellation is not a failure to report: no 500 but 503 and the close, and
// the server goes on.
TEST_P(http_server, a_cancelled_handler_is_not_a_500) {
    runtime rt(config(2));
    rt.block_on(with_server(failing, {}, [](std::uint16_t port, http::server&) -> task<void> {
        std::string got = co_await raw_exchange(port, "GET /cancelled HTTP/1.1\r\nHost: x\r\n\r\n");
        EXPECT_TRUE(got.starts_with("HTTP/1.1 503 Service Unavailable\r\n")) << got;
        EXPECT_NE(got.find("Connection: close\r\n"), std::string::npos) << got;
        got = co_await raw_exchange(port, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        EXPECT_TRUE(got.starts_with("HTTP/1.1 200 OK\r\n")) << got;
        EXPECT_TRUE(got.ends_with("fine")) << got;
    }));
}

// Files: small ones read into the response, large ones by sendfile; 404 when missing.
task<http::response> file_handler(http::request& req) {
    co_return http::response::file(std::string(req.query()), "application/octet-stream");
}

TEST_P(http_server, sends_files) {
    char dir[] = "/tmp/weft-http-files-XXXXXX";
    ASSERT_NE(::mkdtemp(dir), nullptr);
    const std::string small = std::string(dir) + "/small", large = std::string(dir) + "/large";
    auto small_data = random_bytes(3000, 11), large_data = random_bytes(5 << 20, 12);
    std::ofstream(small, std::ios::binary).write(reinterpret_cast<const char*>(small_data.data()), small_data.size());
    std::ofstream(large, std::ios::binary).write(reinterpret_cast<const char*>(large_data.data()), large_data.size());
    runtime rt(config(2));
    rt.block_on(with_server(file_handler, {}, [&](std::uint16_t port, http::server&) -> task<void> {
        http::client c;
        const std::string base = "http://127.0.0.1:" + std::to_string(port) + "/?";
        for (auto [path, data] : {std::pair{small, &small_data}, {large, &large_data}}) {
            auto r = co_await c.get(base + path);
            EXPECT_EQ(r.status(), 200u);
            EXPECT_EQ(r.content_length().value_or(0), data->size());
            auto body = co_await r.body();
            EXPECT_EQ(checksum(body), checksum(*data));
            auto h = co_await c.request("HEAD", base + path);
            EXPECT_EQ(h.content_length().value_or(0), data->size());
            EXPECT_EQ((co_await h.text()).size(), 0u);
        }
        auto missing = co_await c.get(base + std::string(dir) + "/none");
        EXPECT_EQ(missing.status(), 404u);
        co_await missing.discard();
        auto directory = co_await c.get(base + std::string(dir));
        EXPECT_EQ(directory.status(), 403u);
        EXPECT_EQ((co_await directory.text()).find(dir), std::string::npos);  // the path is not echoed
        EXPECT_EQ(c.connections_opened(), 1u);
    }));
    std::remove(small.c_str());
    std::remove(large.c_str());
    ::rmdir(dir);
}

task<http::response> named(std::string what) { co_return http::response::text(std::move(what)); }
task<http::response> route_index(http::request&) { co_return co_await named("index"); }
task<http::response> route_user(http::request& req) {
    co_return http::response::text("user " + std::string(req.param("id")) + " " + std::string(req.param("what")));
}
task<http::response> route_static(http::request& req) {
    co_return http::response::text("static [" + std::string(req.param("*")) + "]");
}
task<http::response> route_post(http::request&) { co_return co_await named("created"); }

TEST_P(http_server, routes_by_method_and_path) {
    http::router r;
    r.get("/", route_index);
    r.get("/users/{id}/{what}", route_user);
    r.post("/users", route_post);
    r.get("/static/*", route_static);
    runtime rt(config(2));
    rt.block_on(with_server(std::move(r), {}, [](std::uint16_t port, http::server&) -> task<void> {
        http::client c;
        const std::string base = "http://127.0.0.1:" + std::to_string(port);
        auto text_of = [&c](std::string method, std::string url) -> task<std::string> {
            auto resp = co_await c.request(std::move(method), std::move(url));
            co_return std::to_string(resp.status()) + " " + co_await resp.text();
        };
        EXPECT_EQ(co_await text_of("GET", base + "/"), "200 index");
        EXPECT_EQ(co_await text_of("GET", base + "/users/42/posts"), "200 user 42 posts");
        EXPECT_EQ(co_await text_of("POST", base + "/users"), "200 created");
        EXPECT_EQ(co_await text_of("GET", base + "/static/css/a.css?v=1"), "200 static [css/a.css]");
        EXPECT_EQ(co_await text_of("GET", base + "/static"), "200 static []");
        EXPECT_EQ((co_await text_of("GET", base + "/users/42")).substr(0, 3), "404");
        EXPECT_EQ((co_await text_of("GET", base + "/nothing")).substr(0, 3), "404");
        auto wrong = co_await c.request("DELETE", base + "/users");
        EXPECT_EQ(wrong.status(), 405u);
        EXPECT_EQ(wrong.header("allow").value_or(""), "POST");
        co_await wrong.discard();
        auto head = co_await c.request("HEAD", base + "/");  // HEAD falls back to GET
        EXPECT_EQ(head.status(), 200u);
        EXPECT_EQ(head.content_length().value_or(0), 5u);
    }));
}

TEST(http_router, rejects_malformed_patterns) {
    http::router r;
    EXPECT_THROW(r.get("users", route_index), weft::error);
    EXPECT_THROW(r.get("/a/*/b", route_index), weft::error);
    EXPECT_THROW(r.get("/a/{id", route_index), weft::error);
    EXPECT_THROW(r.get("/a/x{id}", route_index), weft::error);
    EXPECT_THROW(r.get("/a", http::handler{}), weft::error);
    EXPECT_NO_THROW(r.get("/a/{id}", route_index));
}

}  // namespace
}  // namespace weft::test
