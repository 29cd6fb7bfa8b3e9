// tls_echo_server — a TLS server: in echo mode each connection gets back what it sends (the
// W7 echo over TLS); in http mode a minimal HTTP/1.1 keep-alive responder answers
// `GET /` with "Hello, World!" and `GET /bytes/N` with N bytes (the TLS benchmarks, until
// weft's HTTP layer serves HTTPS). Prints exactly "listening on HOST:PORT" once it accepts;
// on SIGINT/SIGTERM stops accepting, lets connections finish (cancelling them after
// --grace-ms) and exits 0.
//
//   tls_echo_server --port 8443 --cert chain.pem --key key.pem --threads 2 --driver io_uring
#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <charconv>
#include <csignal>
#include <cstdio>
#include <string>

#include <weft/net/serve.hpp>
#include <weft/net/tcp.hpp>
#include <weft/net/tls_stream.hpp>
#include <weft/runtime.hpp>
#include <weft/signal.hpp>

namespace {

using tls_tcp = weft::net::tls_stream<weft::net::tcp_stream>;

struct server_options {
    bool http = false;
    std::chrono::milliseconds handshake_timeout{10000};
};

weft::task<void> echo(tls_tcp& tls) {
    std::array<std::byte, 16384> buf;
    while (std::size_t n = co_await tls.read_some(buf)) co_await tls.write_all(std::span(buf.data(), n));
}

// The body of GET /bytes/N: a repeating pattern, sent in slices.
const std::array<std::byte, 65536>& pattern() {
    static const auto bytes = [] {
        std::array<std::byte, 65536> b;
        for (std::size_t i = 0; i < b.size(); ++i) b[i] = static_cast<std::byte>('a' + i % 26);
        return b;
    }();
    return bytes;
}

// Requests without bodies (GET), kept alive until the client closes or asks not to. The
// request heads are cut from one buffer by hand: no exception at the end of a connection,
// no task per request (the benchmarks count server CPU per request).
weft::task<void> http(tls_tcp& tls) {
    std::string in;
    std::array<std::byte, 4096> buf;
    while (true) {
        std::size_t end = in.find("\r\n\r\n");
        if (end == std::string::npos) {
            if (in.size() > 16384) co_return;  // no end of the head within 16 KiB
            std::size_t n = co_await tls.read_some(buf);
            if (n == 0) co_return;  // the client closed between requests
            in.append(reinterpret_cast<const char*>(buf.data()), n);
            continue;
        }
        std::string head = in.substr(0, end + 4);
        in.erase(0, end + 4);
        std::string_view line(head.data(), head.find("\r\n"));
        bool close = head.find("\r\nConnection: close\r\n") != std::string::npos;
        bool hello = !line.starts_with("GET /bytes/");
        std::size_t size = 13;
        if (!hello) {
            std::string_view digits = line.substr(11, line.find(' ', 11) - 11);
            auto [last, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), size);
            if (ec != std::errc() || last != digits.data() + digits.size()) {
                co_await tls.write_all(weft::as_bytes("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"));
                co_return;
            }
        }
        std::string response =
            fmt::format("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n{}\r\n{}", size,
                        close ? "Connection: close\r\n" : "", hello ? "Hello, World!" : "");
        co_await tls.write_all(weft::as_bytes(response));
        for (std::size_t sent = 0; !hello && sent < size;) {
            std::size_t n = std::min(size - sent, pattern().size());
            co_await tls.write_all(std::span(pattern().data(), n));
            sent += n;
        }
        if (close) co_return;
    }
}

// One connection: the handshake within a deadline, then the protocol, then close_notify.
weft::task<void> handle(weft::net::tcp_stream conn, weft::net::tls_context ctx, server_options opts) {
    conn.set_nodelay(true);
    auto tls = tls_tcp::server(std::move(conn), ctx);
    try {
        co_await tls.handshake(opts.handshake_timeout);
        if (opts.http)
            co_await http(tls);
        else
            co_await echo(tls);
        co_await tls.shutdown();
    } catch (const weft::net::tls_error&) {
        // A failed handshake or a peer that left without close_notify: nothing to tell it.
    } catch (const weft::timeout_error&) {
    } catch (const weft::system_error&) {
    }
}

weft::task<int> serve_until_signal(weft::net::socket_address addr, weft::net::tls_context ctx, server_options opts,
                                   int grace_ms) {
    auto stop = weft::signal(SIGINT, SIGTERM);  // the handler is in place before we announce
    auto listener = weft::net::tcp_listener::bind(addr);
    fmt::print("listening on {}\n", listener.local_address().to_string());
    std::fflush(stdout);
    auto handler = [ctx, opts](weft::net::tcp_stream conn) { return handle(std::move(conn), ctx, opts); };
    weft::net::serve_options serve_opts;
    serve_opts.grace_period = std::chrono::milliseconds(grace_ms);
    auto server = weft::spawn(weft::net::serve(listener, handler, serve_opts));
    int sig = co_await stop;
    fmt::print(stderr, "tls_echo_server: signal {}, stopping\n", sig);
    server.cancel();
    try {
        co_await server;
    } catch (const weft::cancelled_error&) {
    }
    co_return 0;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"weft TLS echo / minimal HTTPS server", "tls_echo_server"};
    std::string host = "127.0.0.1", driver = "auto", cert, key, mode = "echo", ciphersuites, cipher_list;
    int port = 0, grace_ms = 5000, handshake_timeout_ms = 10000;
    std::uint32_t threads = 0;
    bool ktls = true;
    std::string transport = "auto";
    app.add_option("--host", host, "Address to listen on")->capture_default_str();
    app.add_option("--port", port, "Port (0: pick a free one)")->check(CLI::Range(0, 65535))->capture_default_str();
    app.add_option("--threads", threads, "Worker threads (0: the CPUs we may use)")->capture_default_str();
    app.add_option("--driver", driver, "I/O driver")
        ->check(CLI::IsMember({"auto", "epoll", "io_uring"}))
        ->capture_default_str();
    app.add_option("--cert", cert, "Certificate chain (PEM), leaf first")->required();
    app.add_option("--key", key, "Private key (PEM)")->required();
    app.add_option("--mode", mode, "echo, or http (GET / and GET /bytes/N)")
        ->check(CLI::IsMember({"echo", "http"}))
        ->capture_default_str();
    app.add_option("--ktls", ktls, "Use kernel TLS when the kernel offers it")->capture_default_str();
    app.add_option("--ciphersuites", ciphersuites, "TLS 1.3 ciphersuites (OpenSSL's default if empty)");
    app.add_option("--cipher-list", cipher_list, "TLS 1.2 cipher list (OpenSSL's default if empty)");
    app.add_option("--tls-transport", transport, "How OpenSSL meets the socket (the measurement in docs/tls.md)")
        ->check(CLI::IsMember({"auto", "buffers", "memory_bio", "socket"}))
        ->capture_default_str();
    app.add_option("--handshake-timeout-ms", handshake_timeout_ms, "Close connections that take longer")
        ->capture_default_str();
    app.add_option("--grace-ms", grace_ms, "On a signal, cancel connections still open after this long")
        ->capture_default_str();
    CLI11_PARSE(app, argc, argv);
    try {
        weft::runtime_config cfg = weft::runtime_config::load();
        cfg.workers = threads;
        cfg.section<weft::io_config>().driver = driver == "epoll"      ? weft::io_driver_kind::epoll
                                                : driver == "io_uring" ? weft::io_driver_kind::io_uring
                                                                       : weft::io_driver_kind::automatic;
        auto ctx = weft::net::tls_context::server(cert, key);
        ctx.set_ktls(ktls);
        if (!ciphersuites.empty()) ctx.set_ciphersuites(ciphersuites);
        if (!cipher_list.empty()) ctx.set_cipher_list(cipher_list);
        using weft::net::detail::tls_transport;
        weft::net::detail::set_tls_transport(ctx, transport == "buffers"      ? tls_transport::buffers
                                                  : transport == "memory_bio" ? tls_transport::memory_bio
                                                  : transport == "socket"     ? tls_transport::socket
                                                                              : tls_transport::automatic);
        server_options opts{mode == "http", std::chrono::milliseconds(handshake_timeout_ms)};
        auto ip = weft::net::ip_address::parse(host);
        weft::runtime rt(cfg);
        return rt.block_on(serve_until_signal({ip, static_cast<std::uint16_t>(port)}, ctx, opts, grace_ms));
    } catch (const weft::config_error& e) {  // a bad WEFT_* variable or $WEFT_CONFIG file
        fmt::print(stderr, "tls_echo_server: {}\n", e.what());
        return 2;
    } catch (const std::exception& e) {
        fmt::print(stderr, "tls_echo_server: {}\n", e.what());
        return 1;
    }
}
