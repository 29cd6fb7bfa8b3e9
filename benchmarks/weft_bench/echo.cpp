// echo.cpp — W7 (bench-protocol.md): TCP echo on 127.0.0.1. The server is weft's
// (net::serve with one task per connection reading up to 4 KiB and writing it back), in
// this process unless --target names another; the load is a closed loop like
// peers/common/echoload: N connections, one message of SIZE bytes in flight on each,
// TCP_NODELAY, driven by one thread with plain epoll (not weft, so the two do not share
// workers). Reported: round trips/s, p50/p99 latency, and the server's CPU seconds (this
// process's CPU time minus the load thread's).
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <memory>
#include <stdexcept>
#include <thread>
#include <vector>

#include <weft/net/serve.hpp>
#include <weft/net/tcp.hpp>
#include <weft/runtime.hpp>

#include "load_util.hpp"
#include "scenarios.hpp"

namespace weft::bench {
namespace {

using load_clock = std::chrono::steady_clock;

// As examples/echo_server: wait for data, then take a buffer for one read and its echo.
weft::task<void> echo_connection(weft::net::tcp_stream s) {
    s.set_nodelay(true);
    try {
        for (;;) {
            co_await s.fd().readable();
            std::unique_ptr<std::byte[]> buf(new std::byte[4096]);
            const std::size_t got = co_await s.read_some(std::span(buf.get(), 4096));
            if (got == 0) co_return;
            co_await s.write_all(std::span(buf.get(), got));
        }
    } catch (const weft::system_error&) {
    }
}

struct load_result {
    std::uint64_t round_trips = 0;
    double seconds = 0;
    double thread_cpu = 0;
    std::vector<std::uint32_t> latencies_ns;  // sampled: every round trip
    std::string error;
};

// The closed-loop client (one thread, plain epoll).
load_result drive_load(const weft::net::socket_address& target, const echo_settings& cfg) {
    load_result out;
    const double cpu0 = thread_cpu();
    int ep = ::epoll_create1(EPOLL_CLOEXEC);
    struct conn {
        int fd = -1;
        std::size_t got = 0;
        load_clock::time_point sent;
    };
    std::vector<conn> conns(static_cast<std::size_t>(cfg.connections));
    sockaddr_storage st;
    socklen_t len = target.to_sockaddr(st);
    std::vector<char> msg(static_cast<std::size_t>(cfg.size), 'e'), buf(65536);
    for (std::size_t i = 0; i < conns.size(); ++i) {
        int fd = ::socket(target.family(), SOCK_STREAM | SOCK_CLOEXEC, 0);
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
    if (out.error.empty()) {
        const auto start = load_clock::now();
        const auto end =
            start + std::chrono::duration_cast<load_clock::duration>(std::chrono::duration<double>(cfg.seconds));
        for (auto& c : conns) {
            c.sent = load_clock::now();
            if (::write(c.fd, msg.data(), msg.size()) != static_cast<ssize_t>(msg.size()))
                out.error = "load: write failed";
        }
        std::array<epoll_event, 256> evs;
        while (out.error.empty()) {
            auto now = load_clock::now();
            if (now >= end) break;
            int n = ::epoll_wait(ep, evs.data(), static_cast<int>(evs.size()), 100);
            for (int k = 0; k < n; ++k) {
                conn& c = conns[evs[static_cast<std::size_t>(k)].data.u64];
                ssize_t r = ::read(c.fd, buf.data(), buf.size());
                if (r <= 0) {
                    out.error = "load: the server closed a connection";
                    break;
                }
                c.got += static_cast<std::size_t>(r);
                if (c.got < msg.size()) continue;
                c.got = 0;
                auto t = load_clock::now();
                ++out.round_trips;
                out.latencies_ns.push_back(static_cast<std::uint32_t>(std::min<std::int64_t>(
                    std::chrono::duration_cast<std::chrono::nanoseconds>(t - c.sent).count(), UINT32_MAX)));
                c.sent = t;
                if (::write(c.fd, msg.data(), msg.size()) != static_cast<ssize_t>(msg.size()))
                    out.error = "load: write failed";
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

echo_settings& echo_config() noexcept {
    static echo_settings s;
    return s;
}

extra_figures& last_extras() noexcept {
    static extra_figures e;
    return e;
}

double run_echo(weft::runtime& rt) {
    const echo_settings& cfg = echo_config();
    weft::net::socket_address target;
    std::optional<weft::join_handle<void>> server;
    weft::net::tcp_listener listener;
    if (cfg.target.empty()) {
        listener = weft::net::tcp_listener::bind(weft::net::socket_address::parse("127.0.0.1:0"));
        target = listener.local_address();
        auto start = [](weft::net::tcp_listener* l) -> weft::task<weft::join_handle<void>> {
            co_return weft::spawn(weft::net::serve(*l, echo_connection));
        };
        server = rt.block_on(start(&listener));
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
    return static_cast<double>(load.round_trips) / load.seconds;
}

}  // namespace weft::bench
