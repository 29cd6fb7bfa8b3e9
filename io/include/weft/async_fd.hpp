// weft/async_fd.hpp — async_fd: a file descriptor owned by weft, with awaitable reads,
// writes and readiness waits that work the same under the epoll and io_uring drivers; and
// make_pipe(). asyncio's equivalents: loop.connect_read_pipe / add_reader, os.pipe.
//
// The operations have the same names on every descriptor-like type of weft (async_fd,
// net::stream_socket, tls streams): read_some / write_some (one call: some bytes, 0 from a
// read at the end of the stream), read_exact / write_all (loops). Results are byte counts;
// failures throw weft::system_error naming the call and the errno, or — with the
// std::error_code overloads, for code that handles failures itself — set the error_code
// and return 0. read_exact throws weft::incomplete_read_error when the stream ends first.
//
//   auto [in, out] = weft::make_pipe();
//   co_await out.write_all(weft::as_bytes("ping"));
//   std::array<std::byte, 64> buf;
//   std::size_t n = co_await in.read_some(buf);
//
// Cancellation: every wait is a cancellation point. A cancelled task's op is removed from
// the driver before the task resumes with weft::cancelled_error — and if the op completed
// first, its result is returned instead (no data is lost) and the cancellation is
// delivered at the next suspension. Closing a descriptor other tasks wait on ends their
// ops with system_error(ECANCELED) (error_code ECANCELED in the non-throwing forms).
//
// Thread safety: distinct objects, safe. One object: one read and one write may be pending
// at a time from different tasks (more queue up in order); close() and the destructor may
// run on any thread while ops are pending (they end with ECANCELED). Awaited from tasks on
// a runtime with I/O (weft::io_stack, the default when this header is included).
#pragma once

#include <sys/uio.h>

#include <cstddef>
#include <span>
#include <string_view>
#include <system_error>
#include <utility>

#include <weft/detail/io_op.hpp>
#include <weft/io_config.hpp>
#include <weft/io_error.hpp>
#include <weft/task.hpp>

namespace weft {

// A string's bytes, for write calls.
inline std::span<const std::byte> as_bytes(std::string_view s) noexcept {
    return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

// A non-blocking file descriptor owned by weft, with awaitable reads and writes (see the header).
class async_fd {
public:
    async_fd() noexcept = default;
    // Takes ownership of fd and makes it non-blocking. Throws system_error if fd is not an
    // open descriptor.
    explicit async_fd(int fd);
    // Takes o's descriptor; o is left closed.
    async_fd(async_fd&& o) noexcept : state_(std::exchange(o.state_, nullptr)) {}
    // Closes this descriptor (if open), then takes o's; o is left closed.
    async_fd& operator=(async_fd&& o) noexcept;
    async_fd(const async_fd&) = delete;
    async_fd& operator=(const async_fd&) = delete;
    ~async_fd();

    // True unless closed, released or moved from.
    bool is_open() const noexcept { return state_ != nullptr; }
    // The descriptor (-1 if closed).
    int native_handle() const noexcept;
    // Ends every pending op (ECANCELED) and closes the descriptor. Idempotent.
    void close() noexcept;
    // Ends every pending op (ECANCELED) and gives the descriptor back, still open.
    int release() noexcept;

    // Some bytes into buf; 0 at the end of the stream.
    [[nodiscard]] detail::io_awaiter read_some(std::span<std::byte> buf) noexcept {
        return {detail::io_opcode::read, state_, buf.data(), clamp(buf.size())};
    }
    // read_some, with failures in ec (0 is then returned) instead of an exception.
    [[nodiscard]] detail::io_ec_awaiter read_some(std::span<std::byte> buf, std::error_code& ec) noexcept {
        return {ec, detail::io_opcode::read, state_, buf.data(), clamp(buf.size())};
    }
    // Some of buf; the number written.
    [[nodiscard]] detail::io_awaiter write_some(std::span<const std::byte> buf) noexcept {
        return {detail::io_opcode::write, state_, const_cast<std::byte*>(buf.data()), clamp(buf.size())};
    }
    // write_some, with failures in ec (0 is then returned) instead of an exception.
    [[nodiscard]] detail::io_ec_awaiter write_some(std::span<const std::byte> buf, std::error_code& ec) noexcept {
        return {ec, detail::io_opcode::write, state_, const_cast<std::byte*>(buf.data()), clamp(buf.size())};
    }
    // Scatter/gather (readv/writev): the iovec array and the buffers must stay alive until
    // the op is done.
    [[nodiscard]] detail::io_awaiter read_some(std::span<const iovec> bufs) noexcept {
        return {detail::io_opcode::readv, state_, const_cast<iovec*>(bufs.data()),
                static_cast<std::uint32_t>(bufs.size())};
    }
    // Some of several buffers, in order (writev); the number of bytes written.
    [[nodiscard]] detail::io_awaiter write_some(std::span<const iovec> bufs) noexcept {
        return {detail::io_opcode::writev, state_, const_cast<iovec*>(bufs.data()),
                static_cast<std::uint32_t>(bufs.size())};
    }
    // Waits until a read (a write) would not block; the result is the poll(2) event mask.
    [[nodiscard]] detail::io_awaiter readable() noexcept { return {detail::io_opcode::wait_readable, state_}; }
    // Waits until the descriptor is writable.
    [[nodiscard]] detail::io_awaiter writable() noexcept { return {detail::io_opcode::wait_writable, state_}; }

    // Reads exactly buf.size() bytes; incomplete_read_error if the stream ends first.
    task<void> read_exact(std::span<std::byte> buf);
    // Writes all of buf (as many writes as it takes).
    task<void> write_all(std::span<const std::byte> buf);

    // For the modules above (net/): the descriptor's reactor state.
    detail::fd_state* state() const noexcept { return state_; }

protected:
    struct adopt_file_t {};
    // A regular file: kept blocking (its ops go to the blocking pool under epoll).
    async_fd(int fd, adopt_file_t);

    // A buffer size clamped to what one call transfers (1 GiB).
    static std::uint32_t clamp(std::size_t n) noexcept {
        return n > (1u << 30) ? (1u << 30) : static_cast<std::uint32_t>(n);
    }

private:
    detail::fd_state* state_ = nullptr;
};

// The I/O driver of the runtime whose worker runs the caller (throws weft::error off the
// workers of a runtime with I/O): what io_config::driver = auto resolved to.
io_driver_kind current_io_driver();

// The two ends of a pipe (make_pipe()).
struct pipe_ends {
    // Read from this end.
    async_fd read_end;
    // Write to this end.
    async_fd write_end;
};

// A pipe (pipe2 with O_CLOEXEC), both ends non-blocking. Throws system_error.
pipe_ends make_pipe();

}  // namespace weft
