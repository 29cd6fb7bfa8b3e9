// test_http_lifecycle.cpp — the server over time: header, idle and body timeouts (a
// slowloris client is dropped), a client that goes away in the middle of a response, 1,000
// requests at once, and graceful shutdown with requests in flight.
#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <vector>

#include <weft/clock.hpp>
#include <weft/sleep.hpp>
#include <weft/task_group.hpp>

#include "http_test_support.hpp"

namespace weft::test {
namespace {

class http_lifecycle : public io_test {};
WEFT_IO_TEST_SUITE(http_lifecycle);

task<net::tcp_stream> connect_to(std::uint16_t port) {
    co_return co_await net::tcp_stream::connect(net::socket_address::parse("127.0.0.1:" + std::to_string(port)));
}

// Reads until EOF or a reset; what came. Bounded by `limit`.
task<std::string> read_to_end(net::tcp_stream& s, std::chrono::milliseconds limit) {
    auto body = [](net::tcp_stream* st) -> task<std::string> {
        std::string out;
        char buf[4096];
        while (true) {
            std::size_t n = 0;
            try {
                n = co_await st->read_some(std::as_writable_bytes(std::span(buf)));
            } catch (const system_error&) {
                break;
            }
            if (n == 0) break;
            out.append(buf, n);
        }
        co_return out;
    };
    co_return co_await weft::timeout(limit, body(&s));
}

// Slowloris: a head sent one byte at a time, every 50 ms, never completes; the server drops
// the connection once header_timeout has passed since the first byte, though bytes keep
// coming. Meanwhile the server answers others.
TEST_P(http_lifecycle, drops_a_slowloris_client_after_the_header_timeout) {
    runtime rt(config(2));
    http::server_options o;
    o.limits.header_timeout = 300ms;
    rt.block_on(with_server(hello_handler, o, [](std::uint16_t port, http::server&) -> task<void> {
        auto s = co_await connect_to(port);
        const std::string trickle = "GET / HTTP/1.1\r\nHost: x\r\nX-Slow: " + std::string(200, 'z');
        std::size_t sent = 0;
        bool dropped = false;
        for (; sent < trickle.size() && !dropped; ++sent) {
            try {
                co_await s.write_all(weft::as_bytes(std::string_view(trickle).substr(sent, 1)));
            } catch (const system_error&) {
                dropped = true;  // reset: the server is gone
            }
            co_await sleep_for(50ms);
            // Another client is served while the slow one trickles.
            if (sent == 2) {
                std::string other =
                    co_await raw_exchange(port, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
                EXPECT_TRUE(other.ends_with("Hello, World!")) << other;
            }
        }
        if (!dropped) {
            std::string rest = co_await read_to_end(s, 5s);
            EXPECT_EQ(rest, "");  // closed without a response
        }
        // Dropped well before the 200 bytes (10 s of trickling) were all sent.
        EXPECT_LT(sent, trickle.size());
    }));
}

TEST_P(http_lifecycle, closes_idle_keep_alive_connections) {
    runtime rt(config(2));
    http::server_options o;
    o.limits.idle_timeout = 200ms;
    rt.block_on(with_server(hello_handler, o, [](std::uint16_t port, http::server&) -> task<void> {
        auto s = co_await connect_to(port);
        co_await s.write_all(weft::as_bytes("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
        std::string got = co_await read_to_end(s, 5s);  // the response, then the close
        EXPECT_TRUE(got.starts_with("HTTP/1.1 200 OK\r\n")) << got;
        EXPECT_TRUE(got.ends_with("Hello, World!")) << got;
        EXPECT_EQ(got.find("Connection: close"), std::string::npos);  // it was kept alive, then timed out
    }));
}

// A body that stalls: the handler's read gives up after body_timeout and the connection closes.
TEST_P(http_lifecycle, body_reads_time_out) {
    runtime rt(config(2));
    http::server_options o;
    o.limits.body_timeout = 200ms;
    rt.block_on(with_server(echo_handler, o, [](std::uint16_t port, http::server&) -> task<void> {
        auto s = co_await connect_to(port);
        co_await s.write_all(weft::as_bytes("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nhello"));
        std::string got = co_await read_to_end(s, 5s);
        // No echo (the body never completed): 408 and the close.
        EXPECT_TRUE(got.starts_with("HTTP/1.1 408 Request Timeout\r\n")) << got;
        EXPECT_NE(got.find("Connection: close\r\n"), std::string::npos) << got;
    }));
}

// A client that stops reading and leaves in the middle of a large streamed response: the
// producer's write fails, the connection ends, and the server goes on serving.
std::atomic<int> producers_failed{0};

task<http::response> endless(http::request&) {
    co_return http::response::stream([](http::body_writer& w) -> task<void> {
        std::string chunk(64 * 1024, 'x');
        try {
            for (int i = 0; i < 100'000; ++i) co_await w.write(chunk);  // 6.4 GB: never finishes
        } catch (const weft::error&) {
            producers_failed.fetch_add(1);
            throw;
        }
    });
}

TEST_P(http_lifecycle, survives_a_client_leaving_mid_response) {
    producers_failed = 0;
    runtime rt(config(2));
    rt.block_on(with_server(endless, {}, [](std::uint16_t port, http::server&) -> task<void> {
        {
            auto s = co_await connect_to(port);
            co_await s.write_all(weft::as_bytes("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
            char buf[65536];
            std::size_t got = 0;
            while (got < (1u << 20)) got += co_await s.read_some(std::as_writable_bytes(std::span(buf)));
        }  // closed with unread data: a reset
        for (int i = 0; i < 500 && producers_failed.load() == 0; ++i) co_await sleep_for(10ms);
        EXPECT_EQ(producers_failed.load(), 1);
        auto s2 = co_await connect_to(port);
        co_await s2.write_all(weft::as_bytes("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
        char buf[4096];
        std::size_t n = co_await weft::timeout(5s, read_some_of(s2, buf));
        EXPECT_TRUE(std::string_view(buf, n).starts_with("HTTP/1.1 200 OK\r\n"));
    }));
}

task<http::response> slow_hello(http::request& req) {
    co_await sleep_for(std::chrono::milliseconds(std::stoi(std::string(req.query().empty() ? "1" : req.query()))));
    co_return http::response::text("done");
}

TEST_P(http_lifecycle, serves_1000_concurrent_requests) {
    runtime rt(config(2));
    rt.block_on(with_server(slow_hello, {}, [](std::uint16_t port, http::server& srv) -> task<void> {
        http::client_options co;
        co.max_connections_per_host = 250;
        http::client c(co);
        const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/?5";
        std::atomic<int> ok{0};
        task_group g;
        for (int i = 0; i < 1000; ++i)
            (void)g.spawn([](http::client* cl, const std::string* u, std::atomic<int>* count) -> task<void> {
                auto r = co_await cl->get(*u);
                if (r.status() == 200 && co_await r.text() == "done") count->fetch_add(1);
            }(&c, &url, &ok));
        co_await g.join();
        EXPECT_EQ(ok.load(), 1000);
        EXPECT_LE(c.connections_opened(), 250u);
        EXPECT_LE(srv.connections_opened(), 250u);
    }));
}

// Stopping: the requests in flight finish (told Connection: close), idle connections close
// at once, and new connections are refused; serve() then ends with cancelled_error.
TEST_P(http_lifecycle, stops_gracefully_with_requests_in_flight) {
    runtime rt(config(2));
    auto body = []() -> task<void> {
        auto listener = net::tcp_listener::bind(net::socket_address::parse("127.0.0.1:0"));
        const std::uint16_t port = listener.local_address().port();
        http::server srv(slow_hello);
        auto running = weft::spawn(srv.serve(listener));
        // An idle keep-alive connection, and five requests that take 300 ms.
        auto idle = co_await connect_to(port);
        co_await idle.write_all(weft::as_bytes("GET /?1 HTTP/1.1\r\nHost: x\r\n\r\n"));
        char buf[4096];
        std::size_t n = co_await weft::timeout(5s, read_some_of(idle, buf));
        EXPECT_TRUE(std::string_view(buf, n).ends_with("done"));
        std::vector<join_handle<std::string>> inflight;
        for (int i = 0; i < 5; ++i)
            inflight.push_back(weft::spawn(raw_exchange(port, "GET /?300 HTTP/1.1\r\nHost: x\r\n\r\n")));
        co_await sleep_for(100ms);  // they are in their handlers now
        running.cancel();
        // The idle connection is closed promptly, not after the requests in flight.
        std::string rest = co_await read_to_end(idle, 5s);
        EXPECT_EQ(rest, "");  // (left alone, it would wait for idle_timeout: 60 s)
        for (auto& h : inflight) {
            std::string got = co_await h;
            EXPECT_TRUE(got.starts_with("HTTP/1.1 200 OK\r\n")) << got;
            EXPECT_NE(got.find("Connection: close\r\n"), std::string::npos) << got;
            EXPECT_TRUE(got.ends_with("done")) << got;
        }
        bool cancelled = false;
        try {
            co_await running;
        } catch (const cancelled_error&) {
            cancelled = true;
        }
        EXPECT_TRUE(cancelled);
        bool refused = false;
        try {
            co_await connect_to(port);
        } catch (const system_error&) {
            refused = true;
        }
        EXPECT_TRUE(refused);
    };
    rt.block_on(body());
}

// After the grace period, requests still running are cancelled.
TEST_P(http_lifecycle, cancels_requests_past_the_grace_period) {
    runtime rt(config(2));
    auto body = []() -> task<void> {
        auto listener = net::tcp_listener::bind(net::socket_address::parse("127.0.0.1:0"));
        const std::uint16_t port = listener.local_address().port();
        http::server_options o;
        o.grace_period = 200ms;
        http::server srv(slow_hello, o);
        auto running = weft::spawn(srv.serve(listener));
        auto stuck = weft::spawn(raw_exchange(port, "GET /?60000 HTTP/1.1\r\nHost: x\r\n\r\n"));
        co_await sleep_for(100ms);
        const auto stop_at = weft::now();
        running.cancel();
        try {
            co_await running;
        } catch (const cancelled_error&) {
        }
        EXPECT_LT(weft::now() - stop_at, 10s);   // not the handler's 60 s
        const std::string got = co_await stuck;  // 503, and the close
        EXPECT_TRUE(got.starts_with("HTTP/1.1 503 Service Unavailable\r\n")) << got;
        EXPECT_NE(got.find("Connection: close\r\n"), std::string::npos) << got;
    };
    rt.block_on(body());
}

// Pipelining and cancellation: requests sent together are handled before any answer is
// written, so when a later handler is cancelled the earlier answers are still buffered.
// They must go out, in order, before the cancelled request's 503 and the close.
std::atomic<int> hang_entered{0};

task<http::response> pipeline_handler(http::request& req) {
    if (req.path() == "/hang") {
        hang_entered.fetch_add(1);
        co_await sleep_for(60s);
    }
    if (req.path() == "/throw") throw std::runtime_error("handler failed");
    if (req.path() == "/cancelled") throw cancelled_error();  // lets a cancellation out
    co_return http::response::text(std::string("answer ") + std::string(req.path()));
}

// The statuses of the responses in `got`, in order.
std::vector<int> statuses(const std::string& got) {
    std::vector<int> out;
    for (auto p = got.find("HTTP/1.1 "); p != std::string::npos; p = got.find("HTTP/1.1 ", p + 9))
        out.push_back(std::stoi(got.substr(p + 9, 3)));
    return out;
}

TEST_P(http_lifecycle, pipelined_answers_go_out_before_a_handler_cancelled_at_shutdown) {
    hang_entered = 0;
    runtime rt(config(2));
    auto body = []() -> task<void> {
        auto listener = net::tcp_listener::bind(net::socket_address::parse("127.0.0.1:0"));
        const std::uint16_t port = listener.local_address().port();
        http::server_options o;
        o.grace_period = 100ms;
        http::server srv(pipeline_handler, o);
        auto running = weft::spawn(srv.serve(listener));
        auto s = co_await connect_to(port);
        co_await s.write_all(
            weft::as_bytes("GET /one HTTP/1.1\r\nHost: x\r\n\r\nGET /two HTTP/1.1\r\nHost: x\r\n\r\n"
                           "GET /hang HTTP/1.1\r\nHost: x\r\n\r\nGET /after HTTP/1.1\r\nHost: x\r\n\r\n"));
        for (int i = 0; i < 500 && hang_entered.load() == 0; ++i) co_await sleep_for(10ms);
        EXPECT_EQ(hang_entered.load(), 1);
        running.cancel();  // stop; the grace period runs out while /hang sleeps
        try {
            co_await running;
        } catch (const cancelled_error&) {
        }
        const std::string got = co_await read_to_end(s, 5s);
        EXPECT_EQ(statuses(got), (std::vector<int>{200, 200, 503})) << got;
        const auto one = got.find("answer /one"), two = got.find("answer /two");
        EXPECT_TRUE(one != std::string::npos && two != std::string::npos && one < two) << got;
        EXPECT_NE(got.find("Connection: close\r\n"), std::string::npos) << got;
        EXPECT_EQ(got.find("/after"), std::string::npos) << got;  // after the cancelled one: unanswered
    };
    rt.block_on(body());
}

// A handler that fails answers 500 and the connection goes on; one that lets a
// cancelled_error out gets 503 after the answers owed, and the connection closes. The
// server goes on serving others.
TEST_P(http_lifecycle, pipelined_answers_go_out_before_a_handler_that_lets_a_cancellation_out) {
    runtime rt(config(2));
    rt.block_on(with_server(pipeline_handler, {}, [](std::uint16_t port, http::server&) -> task<void> {
        const std::string got =
            co_await raw_exchange(port,
                                  "GET /one HTTP/1.1\r\nHost: x\r\n\r\nGET /throw HTTP/1.1\r\nHost: x\r\n\r\n"
                                  "GET /two HTTP/1.1\r\nHost: x\r\n\r\nGET /cancelled HTTP/1.1\r\nHost: x\r\n\r\n"
                                  "GET /after HTTP/1.1\r\nHost: x\r\n\r\n");
        EXPECT_EQ(statuses(got), (std::vector<int>{200, 500, 200, 503})) << got;
        const auto one = got.find("answer /one"), two = got.find("answer /two");
        EXPECT_TRUE(one != std::string::npos && two != std::string::npos && one < two) << got;
        EXPECT_EQ(got.find("/after"), std::string::npos) << got;
        const std::string next =
            co_await raw_exchange(port, "GET /next HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        EXPECT_TRUE(next.ends_with("answer /next")) << next;
    }));
}

// A body that stops arriving after a pipelined request: that request's answer, then 408.
TEST_P(http_lifecycle, pipelined_answer_goes_out_before_a_body_timeout) {
    runtime rt(config(2));
    http::server_options o;
    o.limits.body_timeout = 200ms;
    rt.block_on(with_server(echo_handler, o, [](std::uint16_t port, http::server&) -> task<void> {
        auto s = co_await connect_to(port);
        co_await s.write_all(weft::as_bytes(
            "GET /one HTTP/1.1\r\nHost: x\r\n\r\nPOST /two HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nhello"));
        const std::string got = co_await read_to_end(s, 5s);
        EXPECT_EQ(statuses(got), (std::vector<int>{200, 408})) << got;
        EXPECT_NE(got.find("GET /one  0 "), std::string::npos) << got;
    }));
}

}  // namespace
}  // namespace weft::test
