// tcp.cpp — tcp_listener and tcp_stream.
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <weft/net/resolve.hpp>
#include <weft/net/tcp.hpp>
#include <weft/timeout.hpp>

#include "socket_ops.hpp"

namespace weft::net {

task<tcp_stream> tcp_stream::connect(socket_address addr) {
    const std::string what = "connect " + addr.to_string();
    async_fd fd(detail::open_socket(addr.family(), SOCK_STREAM, 0, what));
    sockaddr_storage st;
    socklen_t len = addr.to_sockaddr(st);
    try {
        co_await weft::detail::io_awaiter{weft::detail::io_opcode::connect, fd.state(), &st,
                                          static_cast<std::uint32_t>(len)};
    } catch (const system_error& e) {
        throw system_error(e.code().value(), what);
    }
    co_return tcp_stream(std::move(fd));
}

task<tcp_stream> tcp_stream::connect(socket_address addr, std::chrono::milliseconds timeout) {
    co_return co_await weft::timeout(timeout, connect(addr));
}

task<tcp_stream> tcp_stream::connect(std::string host, std::uint16_t port) {
    std::vector<socket_address> addrs = co_await resolve(host, port);
    std::exception_ptr last;
    for (const socket_address& a : addrs) {
        try {
            co_return co_await connect(a);
        } catch (const system_error&) {
            last = std::current_exception();
        }
    }
    std::rethrow_exception(last);
}

void tcp_stream::set_nodelay(bool on) {
    detail::set_option(native_handle(), IPPROTO_TCP, TCP_NODELAY, on ? 1 : 0, "setsockopt(TCP_NODELAY)");
}

void tcp_stream::set_keepalive(bool on, int idle_seconds) {
    detail::set_option(native_handle(), SOL_SOCKET, SO_KEEPALIVE, on ? 1 : 0, "setsockopt(SO_KEEPALIVE)");
    if (on && idle_seconds > 0)
        detail::set_option(native_handle(), IPPROTO_TCP, TCP_KEEPIDLE, idle_seconds, "setsockopt(TCP_KEEPIDLE)");
}

socket_address tcp_stream::local_address() const { return detail::local_address_of(native_handle()); }
socket_address tcp_stream::peer_address() const { return detail::peer_address_of(native_handle()); }

tcp_listener tcp_listener::bind(const socket_address& addr, const bind_options& opts) {
    tcp_listener l;
    l.fd_ = async_fd(detail::open_socket(addr.family(), SOCK_STREAM, 0, "listen " + addr.to_string()));
    detail::bind_to(l.fd_.native_handle(), addr, opts, true);
    if (::listen(l.fd_.native_handle(), opts.backlog) < 0) throw system_error(errno, "listen " + addr.to_string());
    return l;
}

task<tcp_stream> tcp_listener::accept() {
    int fd = static_cast<int>(co_await weft::detail::io_awaiter{weft::detail::io_opcode::accept, fd_.state()});
    co_return tcp_stream(async_fd(fd));
}

tcp_stream tcp_listener::accept_awaiter::await_resume() {
    std::size_t fd = io_ec_awaiter::await_resume();
    if (fd == 0 && op().result < 0) return tcp_stream();
    return tcp_stream(async_fd(static_cast<int>(fd)));
}

socket_address tcp_listener::local_address() const { return detail::local_address_of(native_handle()); }

}  // namespace weft::net
