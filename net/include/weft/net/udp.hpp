// weft/net/udp.hpp — UDP sockets: bind, connect, send_to/recv_from, send/recv; asyncio's
// create_datagram_endpoint, as awaitable calls instead of a protocol class.
//
//   auto sock = weft::net::udp_socket::bind(weft::net::socket_address::parse("127.0.0.1:0"));
//   co_await sock.send_to(weft::as_bytes("ping"), peer);
//   auto [n, from] = co_await sock.recv_from(buf);
//
// A datagram larger than the buffer is truncated (the rest is dropped, as recvfrom does).
// Failures throw weft::system_error naming the call and the peer.
//
// Cancellation: every send and receive is a cancellation point; a cancelled receive loses
// no datagram (one that arrived first is returned).
//
// Thread safety: distinct objects, safe. One socket: one receiving and one sending task at
// a time (more queue up in order); close() from any thread.
#pragma once

#include <cstddef>
#include <span>
#include <utility>

#include <weft/async_fd.hpp>
#include <weft/net/address.hpp>
#include <weft/net/bind_options.hpp>
#include <weft/task.hpp>

namespace weft::net {

class udp_socket {
public:
    udp_socket() noexcept = default;
    // Throws system_error ("bind 127.0.0.1:53: ..."). opts.backlog does not apply.
    static udp_socket bind(const socket_address& addr, const bind_options& opts = {});
    // An unbound socket of the address's family (the kernel picks a port at the first send).
    static udp_socket open(int family = AF_INET);

    // Fixes the peer: send/recv use it, datagrams from others are dropped by the kernel.
    void connect(const socket_address& peer);

    task<std::size_t> send_to(std::span<const std::byte> data, const socket_address& to);
    task<std::pair<std::size_t, socket_address>> recv_from(std::span<std::byte> buf);
    [[nodiscard]] weft::detail::io_awaiter send(std::span<const std::byte> data) noexcept {
        return {weft::detail::io_opcode::send, fd_.state(), const_cast<std::byte*>(data.data()),
                static_cast<std::uint32_t>(data.size())};
    }
    [[nodiscard]] weft::detail::io_awaiter recv(std::span<std::byte> buf) noexcept {
        return {weft::detail::io_opcode::recv, fd_.state(), buf.data(), static_cast<std::uint32_t>(buf.size())};
    }

    socket_address local_address() const;
    void close() noexcept { fd_.close(); }
    int native_handle() const noexcept { return fd_.native_handle(); }

private:
    async_fd fd_;
};

}  // namespace weft::net
