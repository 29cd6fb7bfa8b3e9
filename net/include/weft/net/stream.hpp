// weft/net/stream.hpp — stream_socket: what TCP and Unix stream sockets have in common:
// read_some, read_exact, write_some, write_all, vectored writes, half-close, close.
//
//   std::array<std::byte, 4096> buf;
//   std::size_t n = co_await stream.read_some(buf);   // 0: the peer closed its side
//   co_await stream.write_all(std::span(buf.data(), n));
//   stream.shutdown(weft::net::shutdown_how::send);   // half-close: the peer reads EOF
//
// Failures throw weft::system_error (a reset peer: ECONNRESET; writing to a closed peer:
// EPIPE — never SIGPIPE). Waits are cancellation points (see weft/async_fd.hpp).
#pragma once

#include <sys/socket.h>
#include <sys/uio.h>

#include <cstddef>
#include <span>

#include <weft/async_fd.hpp>
#include <weft/task.hpp>

namespace weft::net {

enum class shutdown_how { receive = SHUT_RD, send = SHUT_WR, both = SHUT_RDWR };

class stream_socket {
public:
    stream_socket() noexcept = default;
    explicit stream_socket(async_fd fd) noexcept : fd_(std::move(fd)) { weft::detail::mark_stream(fd_.state()); }

    [[nodiscard]] weft::detail::io_awaiter read_some(std::span<std::byte> buf) noexcept { return fd_.read(buf); }
    [[nodiscard]] weft::detail::io_awaiter write_some(std::span<const std::byte> buf) noexcept {
        return {weft::detail::io_opcode::send, fd_.state(), const_cast<std::byte*>(buf.data()),
                static_cast<std::uint32_t>(buf.size() > (1u << 30) ? (1u << 30) : buf.size())};
    }
    // Reads exactly buf.size() bytes; weft::error "unexpected end of stream" if the peer
    // closes first.
    task<void> read_exact(std::span<std::byte> buf);
    task<void> write_all(std::span<const std::byte> buf);
    // One sendmsg of several buffers (all of them, in as many calls as it takes).
    task<void> write_all(std::span<const iovec> bufs);

    // Half-close (or both). Throws system_error.
    void shutdown(shutdown_how how);
    void close() noexcept { fd_.close(); }
    bool is_open() const noexcept { return fd_.is_open(); }
    int native_handle() const noexcept { return fd_.native_handle(); }
    async_fd& fd() noexcept { return fd_; }

protected:
    async_fd fd_;
};

}  // namespace weft::net
