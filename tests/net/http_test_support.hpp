// http_test_support.hpp — what the HTTP tests share: a server on 127.0.0.1 for the length
// of a test body, raw connections for sending exactly the bytes a test wants, and small
// handlers.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include <weft/http/client.hpp>
#include <weft/http/server.hpp>
#include <weft/join_handle.hpp>
#include <weft/net/tcp.hpp>
#include <weft/runtime.hpp>
#include <weft/timeout.hpp>

#include "../io/io_test_support.hpp"

// ASSERT_* returns from the function, which a coroutine cannot: this one co_returns.
#define WEFT_CO_ASSERT(cond)                             \
    do {                                                 \
        if (!(cond)) {                                   \
            ADD_FAILURE() << "assertion failed: " #cond; \
            co_return;                                   \
        }                                                \
    } while (0)

namespace weft::test {

using namespace std::chrono_literals;

// One read as a task (for weft::timeout).
inline task<std::size_t> read_some_of(net::tcp_stream& s, std::span<char> buf) {
    co_return co_await s.read_some(std::as_writable_bytes(buf));
}

// Runs body(port, server) while `h` serves 127.0.0.1:port, then stops the server.
inline task<void> with_server(http::handler h, http::server_options opts,
                              std::function<task<void>(std::uint16_t, http::server&)> body) {
    auto listener = net::tcp_listener::bind(net::socket_address::parse("127.0.0.1:0"));
    const std::uint16_t port = listener.local_address().port();
    http::server srv(std::move(h), std::move(opts));
    auto running = weft::spawn(srv.serve(listener));
    std::exception_ptr failure;
    try {
        co_await body(port, srv);
    } catch (...) {
        failure = std::current_exception();
    }
    running.cancel();
    try {
        co_await running;
    } catch (const cancelled_error&) {
    }
    if (failure) std::rethrow_exception(failure);
}

// Connects, sends `bytes`, then reads until the server closes (at most `limit`), all within
// 10 s. What the server sent.
inline task<std::string> raw_exchange(std::uint16_t port, std::string bytes, bool half_close = false) {
    auto run = [](std::uint16_t p, std::string b, bool hc) -> task<std::string> {
        auto s = co_await net::tcp_stream::connect(net::socket_address::parse("127.0.0.1:" + std::to_string(p)));
        try {
            co_await s.write_all(weft::as_bytes(b));
            if (hc) s.shutdown(net::shutdown_how::send);
        } catch (const system_error&) {
            // the server answered and closed before taking everything: read what it said
        }
        std::string out;
        char buf[16384];
        while (true) {
            std::size_t n = 0;
            try {
                n = co_await s.read_some(std::as_writable_bytes(std::span(buf)));
            } catch (const system_error&) {
                break;  // reset after the response
            }
            if (n == 0) break;
            out.append(buf, n);
        }
        co_return out;
    };
    co_return co_await weft::timeout(10s, run(port, std::move(bytes), half_close));
}

// How many times `what` occurs in s.
inline std::size_t count_of(std::string_view s, std::string_view what) {
    std::size_t n = 0;
    for (auto p = s.find(what); p != std::string_view::npos; p = s.find(what, p + what.size())) ++n;
    return n;
}

inline task<http::response> hello_handler(http::request&) {
    co_return http::response(200, "Hello, World!", "text/plain");
}

// Echoes the request: "METHOD PATH QUERY BODYLENGTH CHECKSUM".
inline task<http::response> echo_handler(http::request& req) {
    std::string body = co_await req.text();
    auto sum = checksum(std::as_bytes(std::span(body.data(), body.size())));
    co_return http::response::text(std::string(req.method()) + " " + std::string(req.path()) + " " +
                                   std::string(req.query()) + " " + std::to_string(body.size()) + " " +
                                   std::to_string(sum));
}

}  // namespace weft::test
