// socket_ops.hpp — socket creation and options for net/, throwing system_error that says
// what was attempted. Plain functions (no coroutine reads errno: see syscalls.hpp).
#pragma once

#include <sys/socket.h>

#include <string>

#include <weft/net/address.hpp>

namespace weft::net::detail {

// socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, proto); throws system_error(what).
int open_socket(int family, int type, int protocol, const std::string& what);
void set_option(int fd, int level, int name, int value, const std::string& what);
int get_option(int fd, int level, int name, const std::string& what);
socket_address local_address_of(int fd);
socket_address peer_address_of(int fd);

}  // namespace weft::net::detail
