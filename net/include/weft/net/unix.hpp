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

class unix_stream : public stream_socket {
public:
    unix_stream() noexcept = default;
    explicit unix_stream(async_fd fd) noexcept : stream_socket(std::move(fd)) {}
    static task<unix_stream> connect(std::string path);
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

class unix_listener : private detail::path_bound_socket {
public:
    unix_listener() noexcept = default;
    // Removes a stale socket file at path first (only if it is a socket). Throws system_error.
    // Of opts only backlog applies (a path has no reuse or IPv6 options).
    static unix_listener bind(std::string path, const bind_options& opts = {});
    task<unix_stream> accept();
    const std::string& path() const noexcept { return path_; }
    // Closes and removes the socket file.
    using path_bound_socket::close;
};

class unix_datagram : private detail::path_bound_socket {
public:
    unix_datagram() noexcept = default;
    static unix_datagram bind(std::string path, const bind_options& opts = {});
    static unix_datagram unbound();
    static std::pair<unix_datagram, unix_datagram> pair();

    task<std::size_t> send_to(std::span<const std::byte> data, std::string path);
    // The sender's path is empty for an unbound sender.
    task<std::pair<std::size_t, std::string>> recv_from(std::span<std::byte> buf);
    [[nodiscard]] weft::detail::io_awaiter send(std::span<const std::byte> data) noexcept {
        return {weft::detail::io_opcode::send, fd_.state(), const_cast<std::byte*>(data.data()),
                static_cast<std::uint32_t>(data.size())};
    }
    [[nodiscard]] weft::detail::io_awaiter recv(std::span<std::byte> buf) noexcept {
        return {weft::detail::io_opcode::recv, fd_.state(), buf.data(), static_cast<std::uint32_t>(buf.size())};
    }
    // Closes and removes the socket file if bind() created one.
    using path_bound_socket::close;
};

}  // namespace weft::net
