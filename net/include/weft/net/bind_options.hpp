// weft/net/bind_options.hpp — bind_options: how every weft socket is bound, one struct for
// tcp_listener, udp_socket, unix_listener and unix_datagram (asyncio's start_server /
// create_datagram_endpoint keyword arguments: backlog, reuse_address, reuse_port).
//
//   weft::net::bind_options opts;
//   opts.reuse_port = true;                              // one listener per worker
//   auto l = weft::net::tcp_listener::bind(addr, opts);
//
// A field that does not apply to a socket type is ignored by it: backlog by datagram
// sockets, the address options by Unix sockets (whose "address" is a path).
//
// Thread safety: a plain value type.
#pragma once

#include <optional>

namespace weft::net {

struct bind_options {
    // Listeners: the accept queue's length (listen(2); the kernel caps it at somaxconn).
    int backlog = 1024;
    // SO_REUSEADDR. Unset: on for TCP listeners (rebind at once while old connections sit
    // in TIME_WAIT), off for UDP sockets (where it would let another socket share the port).
    std::optional<bool> reuse_address;
    // SO_REUSEPORT: several sockets on one port, the kernel spreading connections or
    // datagrams among them (one listener per worker).
    bool reuse_port = false;
    // IPV6_V6ONLY for a socket bound to an IPv6 address ([::] accepts IPv4 too unless set).
    bool v6_only = false;
};

}  // namespace weft::net
