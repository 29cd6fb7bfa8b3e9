// weft/net/unix.hpp — Unix domain sockets: stream listener and stream, and datagrams;
// asyncio's start_unix_server / open_unix_connection. A path that starts with '@' names an
// abstract socket (Linux; no file is created). A socket file weft created is removed when
// the listener (or bound datagram socket) closes; a stale one is replaced at bind.
//
//   auto l = weft::net::unix_listener::bind("/run/app.sock");
//   auto c = co_await weft::net::unix_stream::connect("/run/app.sock");
//   auto [a, b] = weft::net::unix_stream::pair();   // socketpair
//
// Cancellation and the stream calls: as tcp (weft/net/tcp.hpp, weft/net/stream.hpp).
//
// Thread safety: distinct objects, safe. One object: one accepting / receiving task and
// one sending task at a time; close() from any thread.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <utility>

#include <weft/async_fd.hpp>
#include <weft/net/bind_options.hpp>
#include <weft/net/stream.hpp>
#include <weft/task.hpp>

namespace weft::net {

// A connected Unix stream socket.
class unix_stream : public stream_socket {
public:
    unix_stream() noexcept = default;
    // Adopts a connected Unix stream socket.
    explicit unix_stream(async_fd fd) noexcept : stream_socket(std::move(fd)) {}
    // Connects to the socket at path ('@' first: abstract); throws system_error naming it.
    static task<unix_stream> connect(std::string path);
    // Two connected streams (socketpair).
    static std::pair<unix_stream, unix_stream> pair();
};

namespace detail {
// The socket of a unix_listener or unix_datagram and the path it is bound to: closing it
// (explicitly, by destruction, or by a move assignment over it) removes the socket file it
// created. A moved-from one holds neither.
class path_bound_socket {
public:
    path_bound_socket() noexcept = default;
    path_bound_socket(path_bound_socket&& o) noexcept : fd_(std::move(o.fd_)), path_(std::exchange(o.path_, {})) {}
    path_bound_socket& operator=(path_bound_socket&& o) noexcept;
    ~path_bound_socket() { close(); }
    void close() noexcept;

protected:
    async_fd fd_;
    std::string path_;  // removed on close when we created it
};
}  // namespace detail

// A listening Unix stream socket bound to a path.
class unix_listener : private detail::path_bound_socket {
public:
    unix_listener() noexcept = default;
    // Removes a stale socket file at path first (only if it is a socket). Throws system_error.
    // Of opts only backlog applies (a path has no reuse or IPv6 options).
    static unix_listener bind(std::string path, const bind_options& opts = {});
    // The next connection.
    task<unix_stream> accept();
    // The path the listener is bound to.
    const std::string& path() const noexcept { return path_; }
    // Closes and removes the socket file.
    using path_bound_socket::close;
};

// A Unix datagram socket, bound to a path or unbound.
class unix_datagram : private detail::path_bound_socket {
public:
    unix_datagram() noexcept = default;
    // A socket bound to path (a stale socket file there is replaced); throws system_error.
    static unix_datagram bind(std::string path, const bind_options& opts = {});
    // A socket bound to no path, to send with send_to (receivers see an empty sender path).
    static unix_datagram unbound();
    // Two connected datagram sockets (socketpair).
    static std::pair<unix_datagram, unix_datagram> pair();

    // Sends data as one datagram to the socket at path; the number of bytes sent.
    task<std::size_t> send_to(std::span<const std::byte> data, std::string path);
    // The sender's path is empty for an unbound sender.
    task<std::pair<std::size_t, std::string>> recv_from(std::span<std::byte> buf);
    // Sends data as one datagram to the connected peer (a pair's other end).
    [[nodiscard]] weft::detail::io_awaiter send(std::span<const std::byte> data) noexcept {
        return {weft::detail::io_opcode::send, fd_.state(), const_cast<std::byte*>(data.data()),
                static_cast<std::uint32_t>(data.size())};
    }
    // The next datagram from the connected peer into buf (truncated if larger); its size.
    [[nodiscard]] weft::detail::io_awaiter recv(std::span<std::byte> buf) noexcept {
        return {weft::detail::io_opcode::recv, fd_.state(), buf.data(), static_cast<std::uint32_t>(buf.size())};
    }
    // Closes and removes the socket file if bind() created one.
    using path_bound_socket::close;
};

}  // namespace weft::net
