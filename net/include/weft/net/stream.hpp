// weft/net/stream.hpp — stream_socket: what TCP and Unix stream sockets have in common:
// read_some, read_exact, write_some, write_all (also vectored), half-close, close. asyncio's
// StreamReader/StreamWriter pair, over one object (buffered reads: buffered_reader.hpp).
//
//   std::array<std::byte, 4096> buf;
//   std::size_t n = co_await stream.read_some(buf);   // 0: the peer closed its side
//   co_await stream.write_all(std::span(buf.data(), n));
//   stream.shutdown(weft::net::shutdown_how::send);   // half-close: the peer reads EOF
//
// The calls have the same names and results as async_fd's (weft/async_fd.hpp). Failures
// throw weft::system_error (a reset peer: ECONNRESET; writing to a closed peer: EPIPE —
// never SIGPIPE), or set the std::error_code of the non-throwing forms; read_exact throws
// weft::incomplete_read_error when the peer closes first.
//
// Cancellation: every wait is a cancellation point, as for async_fd: a cancelled read
// loses no data (if it completed first its result is returned); a write_all cancelled
// half-way has sent a prefix of the buffer — the stream is then of no further use for a
// framed protocol, close it.
//
// Thread safety: distinct objects, safe. One object: one reading task and one writing
// task at a time; close() from any thread.
#pragma once

#include <sys/socket.h>
#include <sys/uio.h>

#include <cstddef>
#include <span>
#include <system_error>

#include <weft/async_fd.hpp>
#include <weft/task.hpp>

namespace weft::net {

// Which direction shutdown() closes.
enum class shutdown_how { receive = SHUT_RD, send = SHUT_WR, both = SHUT_RDWR };

// A connected stream socket: the reads and writes TCP and Unix streams share.
class stream_socket {
public:
    stream_socket() noexcept = default;
    // Adopts a connected stream socket.
    explicit stream_socket(async_fd fd) noexcept : fd_(std::move(fd)) { weft::detail::mark_stream(fd_.state()); }

    // Some bytes; 0 when the peer has closed its side.
    [[nodiscard]] weft::detail::io_awaiter read_some(std::span<std::byte> buf) noexcept { return fd_.read_some(buf); }
    // read_some, with failures in ec (0 is then returned) instead of an exception.
    [[nodiscard]] weft::detail::io_ec_awaiter read_some(std::span<std::byte> buf, std::error_code& ec) noexcept {
        return fd_.read_some(buf, ec);
    }
    // Some of buf (send with MSG_NOSIGNAL: a closed peer is EPIPE, not a signal).
    [[nodiscard]] weft::detail::io_awaiter write_some(std::span<const std::byte> buf) noexcept {
        return {weft::detail::io_opcode::send, fd_.state(), const_cast<std::byte*>(buf.data()), clamp(buf.size())};
    }
    // write_some, with failures in ec (0 is then returned) instead of an exception.
    [[nodiscard]] weft::detail::io_ec_awaiter write_some(std::span<const std::byte> buf, std::error_code& ec) noexcept {
        return {ec, weft::detail::io_opcode::send, fd_.state(), const_cast<std::byte*>(buf.data()), clamp(buf.size())};
    }

    // Reads exactly buf.size() bytes; incomplete_read_error if the peer closes first.
    task<void> read_exact(std::span<std::byte> buf);
    // Writes all of buf, looping over write_some.
    task<void> write_all(std::span<const std::byte> buf);
    // All of several buffers, in order (sendmsg: one call per round, not one per buffer).
    task<void> write_all(std::span<const iovec> bufs);

    // Half-close (or both). Throws system_error.
    void shutdown(shutdown_how how);
    // Ends every pending op (ECANCELED) and closes the socket. Idempotent.
    void close() noexcept { fd_.close(); }
    // True unless closed or moved from.
    bool is_open() const noexcept { return fd_.is_open(); }
    // The socket's descriptor (-1 if closed).
    int native_handle() const noexcept { return fd_.native_handle(); }
    // The underlying descriptor (for options weft does not wrap).
    async_fd& fd() noexcept { return fd_; }

protected:
    // A buffer size clamped to what one call transfers (1 GiB).
    static std::uint32_t clamp(std::size_t n) noexcept {
        return n > (1u << 30) ? (1u << 30) : static_cast<std::uint32_t>(n);
    }

    // The socket.
    async_fd fd_;
};

}  // namespace weft::net
