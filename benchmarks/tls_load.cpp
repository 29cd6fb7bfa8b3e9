// tls_load — a TLS load generator for benchmarks/compare_tls.sh, built on weft's own TLS
// client so that every server under test meets the same client.
//
//   tls_load --mode handshake --port 8443 --ca ca.pem --connections 16 --seconds 10
//   tls_load --mode requests  --port 8443 --ca ca.pem --connections 100 --seconds 10
//   tls_load --mode bulk      --port 8443 --ca ca.pem --connections 2 --bytes 67108864
//
// handshake: each connection slot loops connect, full handshake (no session resumption),
// close_notify, close. requests: keep-alive `GET /` on each connection, one in flight.
// bulk: keep-alive `GET /bytes/N` (our server) or `GET /bytes/N` (a static file of N bytes
// under nginx), the body read and dropped. Prints one line:
//   RESULT mode=handshake count=12345 bytes=0 seconds=10.00 rate=1234.5
// --count N stops after N operations in all (for instruction counts under callgrind).
#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <atomic>
#include <charconv>
#include <string>
#include <vector>

#include <weft/clock.hpp>
#include <weft/net/buffered_reader.hpp>
#include <weft/net/tcp.hpp>
#include <weft/net/tls_stream.hpp>
#include <weft/runtime.hpp>
#include <weft/when_all.hpp>

namespace {

using tls_tcp = weft::net::tls_stream<weft::net::tcp_stream>;

struct load {
    std::string mode, host;
    weft::net::socket_address to;
    std::string path;
    std::chrono::steady_clock::time_point deadline;
    std::uint64_t limit = 0;                // stop after this many operations in all (0: time only)
    std::atomic<std::uint64_t> started{0};  // operations begun, towards limit

    // Whether one more operation may start.
    bool go_on() noexcept {
        return weft::now() < deadline && (limit == 0 || started.fetch_add(1, std::memory_order_relaxed) < limit);
    }
};

struct tally {
    std::uint64_t count = 0;
    std::uint64_t bytes = 0;
};

weft::task<tls_tcp> open(const load& l, weft::net::tls_context ctx) {
    weft::net::tcp_stream tcp = co_await weft::net::tcp_stream::connect(l.to);
    tcp.set_nodelay(true);
    tls_tcp s = tls_tcp::client(std::move(tcp), ctx, l.host);
    co_await s.handshake();
    co_return s;
}

// The length of the response whose head is `head` (Content-Length; 0 if absent).
std::uint64_t content_length(const std::string& head) {
    std::string lower(head);
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    auto pos = lower.find("\r\ncontent-length:");
    if (pos == std::string::npos) return 0;
    pos += 17;
    while (pos < lower.size() && lower[pos] == ' ') ++pos;
    std::uint64_t n = 0;
    std::from_chars(lower.data() + pos, lower.data() + lower.size(), n);
    return n;
}

weft::task<tally> handshakes(load* l, weft::net::tls_context ctx) {
    tally t;
    while (l->go_on()) {
        tls_tcp s = co_await open(*l, ctx);
        co_await s.shutdown();
        ++t.count;
    }
    co_return t;
}

weft::task<tally> requests(load* l, weft::net::tls_context ctx) {
    tally t;
    tls_tcp s = co_await open(*l, ctx);
    weft::net::buffered_reader<tls_tcp> reader(s, 65536);
    std::string request = "GET " + l->path + " HTTP/1.1\r\nHost: " + l->host + "\r\n\r\n";
    std::vector<std::byte> body(65536);
    while (l->go_on()) {
        co_await s.write_all(weft::as_bytes(request));
        std::string head = co_await reader.read_until("\r\n\r\n");
        for (std::uint64_t left = content_length(head); left > 0;) {
            std::size_t n =
                co_await reader.read_some(std::span(body.data(), std::min<std::uint64_t>(left, body.size())));
            if (n == 0) throw weft::error("tls_load: the server closed mid-body");
            left -= n;
            t.bytes += n;
        }
        ++t.count;
    }
    co_await s.shutdown();
    co_return t;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"TLS load generator (benchmarks/compare_tls.sh)", "tls_load"};
    std::string mode = "handshake", host = "example.test", address = "127.0.0.1", ca, driver = "epoll";
    int port = 0, connections = 16;
    double seconds = 10;
    std::uint64_t bytes = 64 << 20;
    std::uint32_t threads = 1;
    std::uint64_t count = 0;
    app.add_option("--mode", mode, "handshake, requests or bulk")
        ->check(CLI::IsMember({"handshake", "requests", "bulk"}))
        ->capture_default_str();
    app.add_option("--host", host, "Server name (SNI, verified)")->capture_default_str();
    app.add_option("--address", address, "Address to connect to")->capture_default_str();
    app.add_option("--port", port, "Port")->required()->check(CLI::Range(1, 65535));
    app.add_option("--ca", ca, "CA certificate (PEM) to trust")->required();
    app.add_option("--connections", connections, "Concurrent connections")->capture_default_str();
    app.add_option("--seconds", seconds, "Duration")->capture_default_str();
    app.add_option("--count", count, "Stop after this many operations (0: run for --seconds)")->capture_default_str();
    app.add_option("--bytes", bytes, "bulk: response size")->capture_default_str();
    app.add_option("--threads", threads, "Worker threads")->capture_default_str();
    app.add_option("--driver", driver, "I/O driver")
        ->check(CLI::IsMember({"epoll", "io_uring"}))
        ->capture_default_str();
    CLI11_PARSE(app, argc, argv);
    try {
        auto ctx = weft::net::tls_context::client();
        ctx.load_verify_file(ca);
        ctx.set_session_resumption(false);  // every handshake is a full one
        weft::runtime_config cfg;
        cfg.workers = threads;
        cfg.section<weft::io_config>().driver =
            driver == "epoll" ? weft::io_driver_kind::epoll : weft::io_driver_kind::io_uring;
        weft::runtime rt(cfg);
        load l;
        l.mode = mode;
        l.host = host;
        l.to = {weft::net::ip_address::parse(address), static_cast<std::uint16_t>(port)};
        l.path = mode == "bulk" ? "/bytes/" + std::to_string(bytes) : "/";
        l.limit = count;
        auto run = [](load* l, weft::net::tls_context ctx, int n, double seconds) -> weft::task<tally> {
            auto start = weft::now();
            l->deadline = start + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                      std::chrono::duration<double>(seconds));
            std::vector<weft::task<tally>> slots;
            for (int i = 0; i < n; ++i) slots.push_back(l->mode == "handshake" ? handshakes(l, ctx) : requests(l, ctx));
            auto all = co_await weft::when_all(std::move(slots));
            tally total;
            for (auto& t : all) {
                total.count += t.count;
                total.bytes += t.bytes;
            }
            co_return total;
        };
        auto t0 = std::chrono::steady_clock::now();
        tally total = rt.block_on(run(&l, ctx, connections, seconds));
        double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        fmt::print("RESULT mode={} count={} bytes={} seconds={:.2f} rate={:.1f}\n", mode, total.count, total.bytes,
                   elapsed, static_cast<double>(total.count) / elapsed);
        return 0;
    } catch (const std::exception& e) {
        fmt::print(stderr, "tls_load: {}\n", e.what());
        return 1;
    }
}
