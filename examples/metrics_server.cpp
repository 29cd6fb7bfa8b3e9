// metrics_server — serves the runtime's metrics to Prometheus at /metrics, and the task
// dump at /tasks, over plain TCP (a minimal HTTP/1.0 responder: one request per
// connection). Until weft has an HTTP server, this is the whole of what a scrape needs.
//
//   metrics_server --serve --port 9464        # until SIGINT; curl localhost:9464/metrics
//   metrics_server                            # scrapes itself once and prints what it got
#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <csignal>
#include <string>
#include <string_view>

#include <weft/net/serve.hpp>
#include <weft/net/tcp.hpp>
#include <weft/runtime.hpp>
#include <weft/signal.hpp>
#include <weft/task_dump.hpp>

namespace {

// One scrape: read the request line, answer with the exposition (or the task dump), close.
weft::task<> respond(weft::net::tcp_stream conn, const weft::runtime* rt) {
    std::string request;
    char buf[1024];
    while (request.find("\r\n\r\n") == std::string::npos && request.size() < 8192) {
        std::size_t n = co_await conn.read_some(std::as_writable_bytes(std::span(buf)));
        if (n == 0) break;
        request.append(buf, n);
    }
    std::string status = "200 OK", type = "text/plain; version=0.0.4", body;
    if (request.starts_with("GET /metrics")) {
        body = rt->metrics().to_prometheus();
    } else if (request.starts_with("GET /tasks")) {
        body = weft::dump_tasks(*rt).to_text();
        type = "text/plain; charset=utf-8";
    } else {
        status = "404 Not Found";
        body = "try /metrics or /tasks\n";
    }
    std::string reply =
        fmt::format("HTTP/1.0 {}\r\nContent-Type: {}\r\nContent-Length: {}\r\n\r\n{}", status, type, body.size(), body);
    co_await conn.write_all(std::as_bytes(std::span(reply)));
}

// Scrapes `addr` once, as Prometheus would, and returns the body.
weft::task<std::string> scrape(weft::net::socket_address addr, std::string path) {
    auto conn = co_await weft::net::tcp_stream::connect(addr);
    const std::string req = "GET " + path + " HTTP/1.0\r\n\r\n";
    co_await conn.write_all(std::as_bytes(std::span(req)));
    std::string reply;
    char buf[4096];
    while (std::size_t n = co_await conn.read_some(std::as_writable_bytes(std::span(buf)))) reply.append(buf, n);
    const auto body = reply.find("\r\n\r\n");
    co_return body == std::string::npos ? reply : reply.substr(body + 4);
}

weft::task<int> run(const weft::runtime* rt, std::string host, std::uint16_t port, bool serve_forever) {
    auto stop = weft::signal(SIGINT, SIGTERM);
    auto listener = weft::net::tcp_listener::bind(weft::net::socket_address::parse(fmt::format("{}:{}", host, port)));
    const auto addr = listener.local_address();
    fmt::print("serving /metrics and /tasks on {}\n", addr.to_string());
    std::fflush(stdout);
    auto server =
        weft::spawn(weft::net::serve(listener, [rt](weft::net::tcp_stream c) { return respond(std::move(c), rt); }),
                    weft::task_name{"metrics listener"});
    if (serve_forever) {
        (void)co_await stop;
    } else {
        const std::string metrics = co_await scrape(addr, "/metrics");
        std::size_t lines = 0;
        for (char c : metrics) lines += c == '\n';
        fmt::print("scraped /metrics: {} lines, e.g.\n{}\n", lines, metrics.substr(0, metrics.find("\n# HELP", 1)));
        fmt::print("/tasks:\n{}", co_await scrape(addr, "/tasks"));
    }
    server.cancel();
    try {
        co_await server;
    } catch (const weft::cancelled_error&) {
    }
    co_return 0;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"weft metrics endpoint", "metrics_server"};
    std::string host = "127.0.0.1";
    std::uint16_t port = 0;
    bool serve_forever = false;
    app.add_option("--host", host, "Address to listen on")->capture_default_str();
    app.add_option("--port", port, "Port (0: pick a free one)")->capture_default_str();
    app.add_flag("--serve", serve_forever, "Serve until SIGINT/SIGTERM (default: scrape itself once and exit)");
    CLI11_PARSE(app, argc, argv);
    try {
        weft::runtime rt;
        return rt.block_on(run(&rt, host, port, serve_forever));
    } catch (const weft::config_error& e) {  // a bad WEFT_* variable or $WEFT_CONFIG file
        fmt::print(stderr, "metrics_server: {}\n", e.what());
        return 2;
    } catch (const std::exception& e) {
        fmt::print(stderr, "metrics_server: {}\n", e.what());
        return 1;
    }
}
