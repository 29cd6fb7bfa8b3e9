// echo_server — a TCP echo server: one task per connection reads up to 4 KiB and writes
// it back (the server of benchmarks/compare_echo.sh; docs/networking.md annotates it).
// Prints exactly "listening on HOST:PORT" once it accepts, and on SIGINT/SIGTERM closes the
// listener, lets the open connections finish (cancelling them after --grace-ms) and exits 0.
//
//   echo_server --port 7000 --threads 2 --driver io_uring
#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <memory>
#include <csignal>

#include <weft/net/serve.hpp>
#include <weft/net/tcp.hpp>
#include <weft/runtime.hpp>
#include <weft/signal.hpp>

namespace {

// An idle connection holds no buffer: it waits for readability first and takes a 4 KiB
// buffer only while it has data to echo (~1 KB per idle connection in all instead of 5 KB;
// under epoll the readiness event answers the wait, no extra system call).
weft::task<void> echo(weft::net::tcp_stream conn) {
    conn.set_nodelay(true);  // small messages: no Nagle delay
    try {
        while (true) {
            co_await conn.fd().readable();
            auto buf = std::make_unique<std::byte[]>(4096);
            std::size_t n = co_await conn.read_some(std::span(buf.get(), 4096));
            if (n == 0) break;  // the client closed
            co_await conn.write_all(std::span(buf.get(), n));
        }
    } catch (const weft::system_error&) {
        // The peer reset the connection: nothing to tell it.
    }
}

weft::task<int> serve_until_signal(weft::net::socket_address addr, int grace_ms) {
    auto stop = weft::signal(SIGINT, SIGTERM);  // the handler is in place before we announce
    auto listener = weft::net::tcp_listener::bind(addr);
    fmt::print("listening on {}\n", listener.local_address().to_string());
    std::fflush(stdout);
    weft::net::serve_options opts;
    opts.grace_period = std::chrono::milliseconds(grace_ms);
    auto server = weft::spawn(weft::net::serve(listener, echo, opts));
    int sig = co_await stop;  // SIGINT or SIGTERM
    fmt::print(stderr, "echo_server: signal {}, stopping\n", sig);
    server.cancel();  // stop accepting, let the connections finish (cancel them after the grace)
    try {
        co_await server;
    } catch (const weft::cancelled_error&) {
    }
    co_return 0;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"weft TCP echo server", "echo_server"};
    std::string host = "127.0.0.1";
    int port = 0;
    std::uint32_t threads = 0;
    std::string driver = "auto";
    int grace_ms = 5000;
    app.add_option("--host", host, "Address to listen on")->capture_default_str();
    app.add_option("--port", port, "Port (0: pick a free one)")->check(CLI::Range(0, 65535))->capture_default_str();
    app.add_option("--threads", threads, "Worker threads (0: the CPUs we may use)")->capture_default_str();
    app.add_option("--driver", driver, "I/O driver")
        ->check(CLI::IsMember({"auto", "epoll", "io_uring"}))
        ->capture_default_str();
    app.add_option("--grace-ms", grace_ms, "On a signal, cancel connections still open after this long")
        ->check(CLI::Range(0, 3'600'000))
        ->capture_default_str();
    CLI11_PARSE(app, argc, argv);
    try {
        weft::runtime_config cfg = weft::runtime_config::load();
        cfg.workers = threads;
        cfg.section<weft::io_config>().driver = driver == "epoll"      ? weft::io_driver_kind::epoll
                                                : driver == "io_uring" ? weft::io_driver_kind::io_uring
                                                                       : weft::io_driver_kind::automatic;
        auto ip = weft::net::ip_address::parse(host);
        weft::runtime rt(cfg);
        return rt.block_on(serve_until_signal({ip, static_cast<std::uint16_t>(port)}, grace_ms));
    } catch (const weft::config_error& e) {  // a bad WEFT_* variable or $WEFT_CONFIG file
        fmt::print(stderr, "echo_server: {}\n", e.what());
        return 2;
    } catch (const std::exception& e) {
        fmt::print(stderr, "echo_server: {}\n", e.what());
        return 1;
    }
}
