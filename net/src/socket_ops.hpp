// socket_ops.hpp — socket creation and options for net/, throwing system_error that says
// what was attempted. Plain functions (no coroutine reads errno: see syscalls.hpp).
#pragma once

#include <sys/socket.h>

#include <cstddef>
#include <span>
#include <string>

#include <weft/async_fd.hpp>
#include <weft/net/address.hpp>
#include <weft/net/bind_options.hpp>
#include <weft/task.hpp>

namespace weft::net::detail {

// socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, proto); throws system_error(what).
int open_socket(int family, int type, int protocol, const std::string& what);
void set_option(int fd, int level, int name, int value, const std::string& what);
int get_option(int fd, int level, int name, const std::string& what);
// Applies opts (reuse_address defaulting to `listener`) and binds fd to addr.
void bind_to(int fd, const socket_address& addr, const bind_options& opts, bool listener);
socket_address local_address_of(int fd);
socket_address peer_address_of(int fd);

// One datagram to the address (addr, len) / from anyone, through sendmsg/recvmsg (both
// drivers). recv_message sets *len to the sender's address length. Throw system_error.
task<std::size_t> send_message(async_fd& fd, std::span<const std::byte> data, const void* addr, socklen_t len);
task<std::size_t> recv_message(async_fd& fd, std::span<std::byte> buf, void* addr, socklen_t* len);

}  // namespace weft::net::detail
