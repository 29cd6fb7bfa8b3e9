// http_connection.cpp — the server's user-space cost per request, without the kernel: one
// http::server connection over an in-memory stream that hands it wrk's request on every
// read and takes every write at once (the W8 exchange, minus the syscalls). What remains is
// weft's: parsing, the handler's frame, the response's head, the deadline bookkeeping.
// Deterministic, so `valgrind --tool=callgrind weft-micro --benchmark_filter=http_conn`
// counts instructions per request (the epoll reactor's epoll_pwait2 is unknown to
// valgrind 3.19, so a real server cannot be profiled that way).
#include <cstring>
#include <string>

#include <weft/http/server.hpp>
#include <weft/net/stream.hpp>
#include <weft/runtime.hpp>

#include "micro.hpp"

namespace weft::micro {
namespace {

const std::string wrk_request = "GET / HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n";

// Every operation completes at once.
struct ready {
    std::size_t n;
    bool await_ready() const noexcept { return true; }
    void await_suspend(std::coroutine_handle<>) const noexcept {}
    std::size_t await_resume() const noexcept { return n; }
};

struct memory_stream {
    int requests = 0;  // left to hand out; then the end of the stream
    std::size_t written = 0;
    ready read_some(std::span<std::byte> buf) noexcept {
        if (requests == 0) return {0};
        --requests;
        std::memcpy(buf.data(), wrk_request.data(), wrk_request.size());
        return {wrk_request.size()};
    }
    ready write_some(std::span<const std::byte> buf) noexcept {
        written += buf.size();
        return {buf.size()};
    }
    task<void> write_all(std::span<const std::byte> buf) {
        written += buf.size();
        co_return;
    }
    void shutdown(net::shutdown_how) noexcept {}
    void close() noexcept {}
};

task<http::response> hello(http::request&) { co_return http::response(200, "Hello, World!", "text/plain"); }

task<void> one_connection(http::server* srv, int requests) {
    co_await srv->serve_connection(memory_stream{requests, 0});
}

void BM_http_connection(benchmark::State& state) {
    weft::runtime rt(weft::runtime_config{.workers = 1});
    http::server srv(hello);
    for (auto _ : state) rt.block_on(one_connection(&srv, batch));
    count_batches(state);
}
BENCHMARK(BM_http_connection)->Unit(benchmark::kMicrosecond)->UseRealTime();

}  // namespace
}  // namespace weft::micro
