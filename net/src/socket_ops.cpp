// socket_ops.cpp — see socket_ops.hpp.
#include "socket_ops.hpp"

#include <netinet/in.h>
#include <unistd.h>

#include <cerrno>

namespace weft::net::detail {

int open_socket(int family, int type, int protocol, const std::string& what) {
    int fd = ::socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
    if (fd < 0) throw system_error(errno, what + ": socket");
    return fd;
}

void set_option(int fd, int level, int name, int value, const std::string& what) {
    if (::setsockopt(fd, level, name, &value, sizeof value) < 0) throw system_error(errno, what);
}

int get_option(int fd, int level, int name, const std::string& what) {
    int v = 0;
    socklen_t l = sizeof v;
    if (::getsockopt(fd, level, name, &v, &l) < 0) throw system_error(errno, what);
    return v;
}

void bind_to(int fd, const socket_address& addr, const bind_options& opts, bool listener) {
    const std::string where = addr.to_string();
    if (opts.reuse_address.value_or(listener))
        set_option(fd, SOL_SOCKET, SO_REUSEADDR, 1, "setsockopt(SO_REUSEADDR) " + where);
    if (opts.reuse_port) set_option(fd, SOL_SOCKET, SO_REUSEPORT, 1, "setsockopt(SO_REUSEPORT) " + where);
    if (addr.ip().is_v6())
        set_option(fd, IPPROTO_IPV6, IPV6_V6ONLY, opts.v6_only ? 1 : 0, "setsockopt(IPV6_V6ONLY) " + where);
    sockaddr_storage st;
    socklen_t len = addr.to_sockaddr(st);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&st), len) < 0) throw system_error(errno, "bind " + where);
}

socket_address local_address_of(int fd) {
    sockaddr_storage st{};
    socklen_t len = sizeof st;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&st), &len) < 0) throw system_error(errno, "getsockname");
    return socket_address::from_sockaddr(reinterpret_cast<sockaddr*>(&st), len);
}

socket_address peer_address_of(int fd) {
    sockaddr_storage st{};
    socklen_t len = sizeof st;
    if (::getpeername(fd, reinterpret_cast<sockaddr*>(&st), &len) < 0) throw system_error(errno, "getpeername");
    return socket_address::from_sockaddr(reinterpret_cast<sockaddr*>(&st), len);
}

task<std::size_t> send_message(async_fd& fd, std::span<const std::byte> data, const void* addr, socklen_t len) {
    iovec iov{const_cast<std::byte*>(data.data()), data.size()};
    msghdr msg{};
    msg.msg_name = const_cast<void*>(addr);
    msg.msg_namelen = len;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    co_return co_await weft::detail::io_awaiter{weft::detail::io_opcode::sendto, fd.state(), &msg};
}

task<std::size_t> recv_message(async_fd& fd, std::span<std::byte> buf, void* addr, socklen_t* len) {
    iovec iov{buf.data(), buf.size()};
    msghdr msg{};
    msg.msg_name = addr;
    msg.msg_namelen = *len;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    std::size_t n = co_await weft::detail::io_awaiter{weft::detail::io_opcode::recvfrom, fd.state(), &msg};
    *len = msg.msg_namelen;
    co_return n;
}

}  // namespace weft::net::detail
