// http_server — the W8 server of the benchmarks (bench-protocol.md): keep-alive `GET /`
// answered `200` with `Content-Type: text/plain` and the body `Hello, World!`. Prints
// exactly "listening on HOST:PORT" once it accepts; on SIGINT/SIGTERM stops accepting, lets
// the requests in flight finish (cancelling them after --grace-ms) and exits 0.
//
//   http_server --port 8080 --threads 2 --driver epoll
//   http_server --port 8443 --cert cert.pem --key key.pem     (HTTPS: benchmarks/compare_tls.sh)
//   http_server --cert cert.pem --key key.pem --ciphers ECDHE-ECDSA-AES128-GCM-SHA256
//               --ciphersuites TLS_AES_128_GCM_SHA256         (the ciphers HTTPS accepts)
#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <csignal>
#include <optional>
#include <string>

#include <weft/http/server.hpp>
#include <weft/net/tcp.hpp>
#include <weft/net/tls_context.hpp>
#include <weft/runtime.hpp>
#include <weft/signal.hpp>

namespace {

weft::task<weft::http::response> hello(weft::http::request&) {
    co_return weft::http::response(200, "Hello, World!", "text/plain");
}

weft::task<int> serve_until_signal(weft::net::socket_address addr, int grace_ms,
                                   std::optional<weft::net::tls_context> tls) {
    auto stop = weft::signal(SIGINT, SIGTERM);  // the handler is in place before we announce
    auto listener = weft::net::tcp_listener::bind(addr);
    weft::http::server_options opts;
    opts.grace_period = std::chrono::milliseconds(grace_ms);
    opts.tls = std::move(tls);  // HTTPS when set
    weft::http::server server(hello, opts);
    fmt::print("listening on {}\n", listener.local_address().to_string());
    std::fflush(stdout);
    auto running = weft::spawn(server.serve(listener));
    int sig = co_await stop;
    fmt::print(stderr, "http_server: signal {}, stopping\n", sig);
    running.cancel();
    try {
        co_await running;
    } catch (const weft::cancelled_error&) {
    }
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
    app.add_option("--host", host, "Address to listen on")->capture_default_str();
    app.add_option("--port", port, "Port (0: pick a free one)")->check(CLI::Range(0, 65535))->capture_default_str();
    app.add_option("--threads", threads, "Worker threads (0: the CPUs we may use)")->capture_default_str();
    app.add_option("--driver", driver, "I/O driver")
        ->check(CLI::IsMember({"auto", "epoll", "io_uring"}))
        ->capture_default_str();
    app.add_option("--grace-ms", grace_ms, "On a signal, cancel requests still running after this long")
        ->check(CLI::Range(0, 3'600'000))
        ->capture_default_str();
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
        return rt.block_on(serve_until_signal({ip, static_cast<std::uint16_t>(port)}, grace_ms, std::move(tls)));
    } catch (const weft::config_error& e) {  // a bad WEFT_* variable or $WEFT_CONFIG file
        fmt::print(stderr, "http_server: {}\n", e.what());
        return 2;
    } catch (const std::exception& e) {
        fmt::print(stderr, "http_server: {}\n", e.what());
        return 1;
    }
}
