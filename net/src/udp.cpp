// udp.cpp — udp_socket.
#include <weft/net/udp.hpp>

#include "socket_ops.hpp"

namespace weft::net {

udp_socket udp_socket::bind(const socket_address& addr, const bind_options& opts) {
    udp_socket s;
    s.fd_ = async_fd(detail::open_socket(addr.family(), SOCK_DGRAM, 0, "bind " + addr.to_string()));
    detail::bind_to(s.native_handle(), addr, opts, false);
    return s;
}

udp_socket udp_socket::open(int family) {
    udp_socket s;
    s.fd_ = async_fd(detail::open_socket(family, SOCK_DGRAM, 0, "udp socket"));
    return s;
}

void udp_socket::connect(const socket_address& peer) {
    sockaddr_storage st;
    socklen_t len = peer.to_sockaddr(st);
    if (::connect(native_handle(), reinterpret_cast<sockaddr*>(&st), len) < 0)
        throw system_error(errno, "connect " + peer.to_string());
}

task<std::size_t> udp_socket::send_to(std::span<const std::byte> data, const socket_address& to) {
    sockaddr_storage st;
    const socklen_t len = to.to_sockaddr(st);
    try {
        co_return co_await detail::send_message(fd_, data, &st, len);
    } catch (const system_error& e) {
        throw system_error(e.code().value(), "send_to " + to.to_string());
    }
}

task<std::pair<std::size_t, socket_address>> udp_socket::recv_from(std::span<std::byte> buf) {
    sockaddr_storage st{};
    socklen_t len = sizeof st;
    std::size_t n = co_await detail::recv_message(fd_, buf, &st, &len);
    co_return std::pair{n, socket_address::from_sockaddr(reinterpret_cast<sockaddr*>(&st), len)};
}

socket_address udp_socket::local_address() const { return detail::local_address_of(native_handle()); }

}  // namespace weft::net
