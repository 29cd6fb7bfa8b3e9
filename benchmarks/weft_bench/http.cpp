// http.cpp — W8 (bench-protocol.md): keep-alive `GET /` answered 200 `Hello, World!`
// (text/plain). The server is weft's http::server (as examples/http_server), in this process
// unless --target names another; the load is a closed loop like `wrk -c100`: N connections,
// one request in flight on each, driven by one thread with plain epoll (not weft, so the two
// do not share workers). Reported: requests/s, p50/p99 latency, the server's CPU seconds
// (this process's CPU time minus the load thread's) and requests per server CPU-second.
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <array>
#include <charconv>
#include <chrono>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <weft/http/server.hpp>
#include <weft/net/tcp.hpp>
#include <weft/runtime.hpp>

#include "load_util.hpp"
#include "scenarios.hpp"

namespace weft::bench {
namespace {

using load_clock = std::chrono::steady_clock;

weft::task<weft::http::response> hello(weft::http::request&) {
    co_return weft::http::response(200, "Hello, World!", "text/plain");
}

struct load_result {
    std::uint64_t requests = 0;
    double seconds = 0;
    double thread_cpu = 0;
    std::vector<std::uint32_t> latencies_ns;
    std::string error;
};

// The length of the response at the front of `in` once its head is there (head + body by
// Content-Length), or 0 if more is needed; -1 if it is not a 200 with a length.
long response_length(std::string_view in) {
    const auto end = in.find("\r\n\r\n");
    if (end == std::string_view::npos) return 0;
    const std::string_view head = in.substr(0, end);
    if (!head.starts_with("HTTP/1.1 200 ")) return -1;
    const auto cl = head.find("\r\nContent-Length: ");
    if (cl == std::string_view::npos) return -1;
    long len = 0;
    const char* p = head.data() + cl + 18;
    std::from_chars(p, head.data() + head.size(), len);
    return static_cast<long>(end + 4) + len;
}

load_result drive_load(const weft::net::socket_address& target, const echo_settings& cfg) {
    load_result out;
    const double cpu0 = thread_cpu();
    const int ep = ::epoll_create1(EPOLL_CLOEXEC);
    struct conn {
        int fd = -1;
        std::string in;
        load_clock::time_point sent;
    };
    std::vector<conn> conns(static_cast<std::size_t>(cfg.connections));
    sockaddr_storage st;
    const socklen_t len = target.to_sockaddr(st);
    const std::string request = "GET / HTTP/1.1\r\nHost: " + target.to_string() + "\r\n\r\n";
    for (std::size_t i = 0; i < conns.size(); ++i) {
        const int fd = ::socket(target.family(), SOCK_STREAM | SOCK_CLOEXEC, 0);
        int one = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (::connect(fd, reinterpret_cast<sockaddr*>(&st), len) < 0) {
            out.error = "load: connect " + target.to_string() + " failed";
            ::close(fd);
            break;
        }
        conns[i].fd = fd;
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.u64 = i;
        ::epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
    }
    out.latencies_ns.reserve(1 << 20);
    auto send_request = [&](conn& c) {
        c.sent = load_clock::now();
        if (::write(c.fd, request.data(), request.size()) != static_cast<ssize_t>(request.size()))
            out.error = "load: write failed";
    };
    if (out.error.empty()) {
        const auto start = load_clock::now();
        const auto end =
            start + std::chrono::duration_cast<load_clock::duration>(std::chrono::duration<double>(cfg.seconds));
        for (auto& c : conns) send_request(c);
        std::array<epoll_event, 256> evs;
        char buf[65536];
        while (out.error.empty() && load_clock::now() < end) {
            const int n = ::epoll_wait(ep, evs.data(), static_cast<int>(evs.size()), 100);
            for (int k = 0; k < n && out.error.empty(); ++k) {
                conn& c = conns[evs[static_cast<std::size_t>(k)].data.u64];
                const ssize_t r = ::read(c.fd, buf, sizeof buf);
                if (r <= 0) {
                    out.error = "load: the server closed a connection";
                    break;
                }
                c.in.append(buf, static_cast<std::size_t>(r));
                const long whole = response_length(c.in);
                if (whole < 0) {
                    out.error = "load: unexpected response: " + c.in.substr(0, 200);
                    break;
                }
                if (whole == 0 || c.in.size() < static_cast<std::size_t>(whole)) continue;
                c.in.erase(0, static_cast<std::size_t>(whole));
                const auto t = load_clock::now();
                ++out.requests;
                out.latencies_ns.push_back(static_cast<std::uint32_t>(std::min<std::int64_t>(
                    std::chrono::duration_cast<std::chrono::nanoseconds>(t - c.sent).count(), UINT32_MAX)));
                send_request(c);
            }
        }
        out.seconds = std::chrono::duration<double>(load_clock::now() - start).count();
    }
    for (auto& c : conns)
        if (c.fd >= 0) ::close(c.fd);
    ::close(ep);
    out.thread_cpu = thread_cpu() - cpu0;
    return out;
}

}  // namespace

double run_http(weft::runtime& rt) {
    const echo_settings& cfg = echo_config();
    weft::net::socket_address target;
    std::optional<weft::join_handle<void>> server;
    weft::net::tcp_listener listener;
    std::optional<weft::http::server> srv;
    if (cfg.target.empty()) {
        listener = weft::net::tcp_listener::bind(weft::net::socket_address::parse("127.0.0.1:0"));
        target = listener.local_address();
        srv.emplace(hello);
        auto start = [](weft::http::server* s, weft::net::tcp_listener* l) -> weft::task<weft::join_handle<void>> {
            co_return weft::spawn(s->serve(*l));
        };
        server = rt.block_on(start(&*srv, &listener));
    } else {
        target = weft::net::socket_address::parse(cfg.target);
    }
    const double cpu0 = process_cpu();
    load_result load;
    std::thread client([&] { load = drive_load(target, cfg); });
    client.join();
    const double server_cpu = process_cpu() - cpu0 - load.thread_cpu;
    if (server) {
        server->cancel();
        auto stop = [](weft::join_handle<void>* h) -> weft::task<void> {
            try {
                co_await *h;
            } catch (const weft::cancelled_error&) {
            }
        };
        rt.block_on(stop(&*server));
    }
    if (!load.error.empty()) throw std::runtime_error(load.error);
    extra_figures& ex = last_extras();
    ex.p50_us = percentile_us(load.latencies_ns, 0.50);
    ex.p99_us = percentile_us(load.latencies_ns, 0.99);
    ex.server_cpu_s = cfg.target.empty() ? server_cpu : 0;
    return static_cast<double>(load.requests) / load.seconds;
}

}  // namespace weft::bench
