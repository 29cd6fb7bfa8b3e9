// http_server — the W8 server of the benchmarks (bench-protocol.md): keep-alive `GET /`
// answered `200` with `Content-Type: text/plain` and the body `Hello, World!`. Prints
// exactly "listening on HOST:PORT" once it accepts; on SIGINT/SIGTERM stops accepting, lets
// the requests in flight finish (cancelling them after --grace-ms) and exits 0.
//
// With --metrics-port N a second listener of the same runtime (on --host, port N; 0 picks a
// free one, announced as "metrics on HOST:PORT" before the "listening on" line) serves
// /metrics, the runtime's metrics in Prometheus' text format, and /tasks, the task dump
// (weft::dump_tasks) as a tree, or as JSON with /tasks?format=json.
//
//   http_server --port 8080 --threads 2 --driver epoll
//   http_server --port 8443 --cert cert.pem --key key.pem     (HTTPS: benchmarks/compare_tls.sh)
//   http_server --cert cert.pem --key key.pem --ciphers ECDHE-ECDSA-AES128-GCM-SHA256
//               --ciphersuites TLS_AES_128_GCM_SHA256         (the ciphers HTTPS accepts)
//   http_server --port 8080 --metrics-port 9464               (curl localhost:9464/metrics)
#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <csignal>
#include <optional>
#include <string>

#include <weft/http/router.hpp>
#include <weft/http/server.hpp>
#include <weft/net/tcp.hpp>
#include <weft/net/tls_context.hpp>
#include <weft/runtime.hpp>
#include <weft/signal.hpp>
#include <weft/task_dump.hpp>

namespace {

weft::task<weft::http::response> hello(weft::http::request&) {
    co_return weft::http::response(200, "Hello, World!", "text/plain");
}

// GET /metrics: what a Prometheus scrape reads.
weft::task<weft::http::response> metrics_page(const weft::runtime* rt) {
    co_return weft::http::response(200, rt->metrics().to_prometheus(), "text/plain; version=0.0.4; charset=utf-8");
}

// GET /tasks: the task dump, a tree as text, or JSON with ?format=json.
weft::task<weft::http::response> tasks_page(const weft::runtime* rt, bool json) {
    const weft::task_dump dump = weft::dump_tasks(*rt);
    if (json) co_return weft::http::response::json(dump.to_json());
    co_return weft::http::response::text(dump.to_text());
}

weft::http::router metrics_routes(const weft::runtime* rt) {
    weft::http::router r;
    r.get("/metrics", [rt](weft::http::request&) { return metrics_page(rt); });
    r.get("/tasks", [rt](weft::http::request& req) { return tasks_page(rt, req.query() == "format=json"); });
    return r;
}

// Waits for the server task to end once cancelled.
weft::task<> stop_server(weft::join_handle<void>& running) {
    running.cancel();
    try {
        co_await running;
    } catch (const weft::cancelled_error&) {
    }
}

weft::task<int> serve_until_signal(const weft::runtime* rt, weft::net::socket_address addr, int metrics_port,
                                   int grace_ms, std::optional<weft::net::tls_context> tls) {
    auto stop = weft::signal(SIGINT, SIGTERM);  // the handler is in place before we announce
    auto listener = weft::net::tcp_listener::bind(addr);
    weft::http::server_options opts;
    opts.grace_period = std::chrono::milliseconds(grace_ms);
    opts.tls = std::move(tls);  // HTTPS when set
    weft::http::server server(hello, opts);
    std::optional<weft::net::tcp_listener> metrics_listener;  // serve() borrows it: it outlives the task
    std::optional<weft::join_handle<void>> metrics;
    if (metrics_port >= 0) {
        metrics_listener = weft::net::tcp_listener::bind({addr.ip(), static_cast<std::uint16_t>(metrics_port)});
        fmt::print("metrics on {}\n", metrics_listener->local_address().to_string());
        metrics =
            weft::spawn(weft::http::serve(*metrics_listener, metrics_routes(rt)), weft::task_name{"metrics listener"});
    }
    fmt::print("listening on {}\n", listener.local_address().to_string());
    std::fflush(stdout);
    auto running = weft::spawn(server.serve(listener));
    int sig = co_await stop;
    fmt::print(stderr, "http_server: signal {}, stopping\n", sig);
    co_await stop_server(running);
    if (metrics) co_await stop_server(*metrics);
    co_return 0;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"weft HTTP/1.1 server (bench-protocol W8)", "http_server"};
    std::string host = "127.0.0.1";
    int port = 0;
    std::uint32_t threads = 0;
    std::string driver = "auto";
    int grace_ms = 5000;
    std::string cert, key, ciphers, ciphersuites;
    int metrics_port = -1;
    app.add_option("--host", host, "Address to listen on")->capture_default_str();
    app.add_option("--port", port, "Port (0: pick a free one)")->check(CLI::Range(0, 65535))->capture_default_str();
    app.add_option("--threads", threads, "Worker threads (0: the CPUs we may use)")->capture_default_str();
    app.add_option("--driver", driver, "I/O driver")
        ->check(CLI::IsMember({"auto", "epoll", "io_uring"}))
        ->capture_default_str();
    app.add_option("--grace-ms", grace_ms, "On a signal, cancel requests still running after this long")
        ->check(CLI::Range(0, 3'600'000))
        ->capture_default_str();
    app.add_option("--metrics-port", metrics_port, "Serve /metrics and /tasks on this port too (0: a free one)")
        ->check(CLI::Range(0, 65535));
    auto* cert_opt = app.add_option("--cert", cert, "HTTPS: certificate chain (PEM), leaf first");
    app.add_option("--key", key, "HTTPS: private key (PEM)")->needs(cert_opt);
    cert_opt->needs(app.get_option("--key"));
    app.add_option("--ciphers", ciphers, "HTTPS: TLS 1.2 cipher list (OpenSSL syntax; default: OpenSSL's)")
        ->needs(cert_opt);
    app.add_option("--ciphersuites", ciphersuites, "HTTPS: TLS 1.3 cipher suites, ':'-separated (default: OpenSSL's)")
        ->needs(cert_opt);
    CLI11_PARSE(app, argc, argv);
    try {
        weft::runtime_config cfg = weft::runtime_config::load();
        cfg.workers = threads;
        cfg.section<weft::io_config>().driver = driver == "epoll"      ? weft::io_driver_kind::epoll
                                                : driver == "io_uring" ? weft::io_driver_kind::io_uring
                                                                       : weft::io_driver_kind::automatic;
        std::optional<weft::net::tls_context> tls;
        if (!cert.empty()) {
            tls = weft::net::tls_context::server(cert, key);
            if (!ciphers.empty()) tls->set_cipher_list(ciphers);  // an unknown one: tls_context_error naming it
            if (app.count("--ciphersuites") > 0) tls->set_ciphersuites(ciphersuites);  // "": no TLS 1.3 suite
        }
        auto ip = weft::net::ip_address::parse(host);
        weft::runtime rt(cfg);
        return rt.block_on(
            serve_until_signal(&rt, {ip, static_cast<std::uint16_t>(port)}, metrics_port, grace_ms, std::move(tls)));
    } catch (const weft::config_error& e) {  // a bad WEFT_* variable or $WEFT_CONFIG file
        fmt::print(stderr, "http_server: {}\n", e.what());
        return 2;
    } catch (const std::exception& e) {
        fmt::print(stderr, "http_server: {}\n", e.what());
        return 1;
    }
}
