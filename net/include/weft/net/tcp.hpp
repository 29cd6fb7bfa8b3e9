// weft/net/tcp.hpp — TCP: tcp_listener (bind, accept) and tcp_stream (connect, read,
// write, half-close, options): asyncio's start_server / open_connection, over sockets.
//
//   auto listener = weft::net::tcp_listener::bind(weft::net::socket_address::parse("127.0.0.1:0"));
//   auto port = listener.local_address().port();
//   weft::net::tcp_stream conn = co_await listener.accept();
//
//   auto s = co_await weft::net::tcp_stream::connect("localhost", port);
//   co_await s.write_all(weft::as_bytes("hello"));
//
// Errors carry the errno and what was attempted: "connect 127.0.0.1:9: Connection refused".
// accept(ec) is the non-throwing form an accept loop wants (serve() uses it).
//
// Cancellation: accept and connect are cancellation points; a cancelled connect closes its
// socket. The stream's reads and writes: see weft/net/stream.hpp.
//
// Thread safety: distinct objects, safe. A listener: one accepting task at a time (more
// queue up in order); close() from any thread ends a pending accept with ECANCELED.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <system_error>

#include <weft/net/address.hpp>
#include <weft/net/bind_options.hpp>
#include <weft/net/stream.hpp>
#include <weft/task.hpp>

namespace weft::net {

class tcp_stream : public stream_socket {
public:
    tcp_stream() noexcept = default;
    // Adopts a connected socket.
    explicit tcp_stream(async_fd fd) noexcept : stream_socket(std::move(fd)) {}

    static task<tcp_stream> connect(socket_address addr);
    // Throws weft::timeout_error when the timeout passes first.
    static task<tcp_stream> connect(socket_address addr, std::chrono::milliseconds timeout);
    // Resolves host and tries each address in turn; throws the last failure.
    static task<tcp_stream> connect(std::string host, std::uint16_t port);

    void set_nodelay(bool on);
    // SO_KEEPALIVE; with idle > 0 also TCP_KEEPIDLE (seconds).
    void set_keepalive(bool on, int idle_seconds = 0);
    socket_address local_address() const;
    socket_address peer_address() const;
};

class tcp_listener {
public:
    tcp_listener() noexcept = default;
    // socket + options + bind + listen; throws system_error ("bind 127.0.0.1:80: ...").
    static tcp_listener bind(const socket_address& addr, const bind_options& opts = {});

    // The next connection (TCP_NODELAY off, as the kernel gives it).
    task<tcp_stream> accept();

    // The non-throwing form: a failure (EMFILE, ECONNABORTED, ...) sets ec and gives a
    // closed stream; no task frame is allocated. Cancellation still throws cancelled_error.
    class accept_awaiter : public weft::detail::io_ec_awaiter {
    public:
        using io_ec_awaiter::io_ec_awaiter;
        tcp_stream await_resume();
    };
    [[nodiscard]] accept_awaiter accept(std::error_code& ec) noexcept {
        return {ec, weft::detail::io_opcode::accept, fd_.state()};
    }
    socket_address local_address() const;
    void close() noexcept { fd_.close(); }
    bool is_open() const noexcept { return fd_.is_open(); }
    int native_handle() const noexcept { return fd_.native_handle(); }

private:
    async_fd fd_;
};

}  // namespace weft::net
