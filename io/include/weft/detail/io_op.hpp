// weft/detail/io_op.hpp — one pending I/O operation, as the reactors see it, and the
// awaiter that every I/O call of weft returns.
//
// The op lives in the awaiting task's frame. Its life:
//   await_ready    epoll: try the syscall now (most reads and writes finish here);
//                  io_uring: nothing (the ring does the work).
//   await_suspend  install the task's canceller, then hand the op to the driver (epoll:
//                  queue it on its descriptor until readiness; io_uring: queue an SQE).
//   await_resume   take the result: bytes, or throw system_error / cancelled_error.
// The task is resumed only once the driver is done with the op: under io_uring that is
// when the kernel's completion arrives, even after a cancel, so the buffers it writes into
// stay alive. The out-of-line halves live in io/src/io_op.cpp; each driver's part in
// io/src/epoll_driver.cpp and io/src/uring_driver.cpp. Users do not include this directly.
//
// Thread safety: an op belongs to the task awaiting it; its driver, a canceller and (at
// close) another thread touch it under the locks the drivers document.
#pragma once

#include <sys/uio.h>

#include <atomic>
#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <system_error>

#include <weft/detail/promise_base.hpp>
#include <weft/io_stack.hpp>

namespace weft::detail {

struct fd_state;
class io_driver;

// Where an op is in its life. Written by the awaiter (idle <-> pending) and by the driver
// that finishes it (pending -> done, with release ordering so the result is visible).
enum class op_state : std::uint8_t {
    idle,     // not submitted (or its result was taken)
    pending,  // queued on its descriptor (epoll), in flight in the ring (io_uring) or on the
              // blocking pool; a cancel may be queued meanwhile
    done,     // finished: `result` holds the outcome, the task is (being) resumed
};

enum class io_opcode : std::uint8_t {
    read,
    write,
    readv,
    writev,
    pread,
    pwrite,
    wait_readable,
    wait_writable,
    fsync,
    openat,
    accept,   // net/: addr in buf, socklen_t* in aux
    connect,  // net/: addr in buf, length in len
    recv,     // net/: flags in aux_flags
    send,
    recvfrom,  // net/: msghdr in buf
    sendto,
};

// A call for the blocking pool (io/src/blocking_pool.hpp); it lives in the waiting task's
// frame. File I/O under epoll runs as one, and so does spawn_blocking.
struct blocking_job {
    void (*run)(blocking_job*) noexcept = nullptr;
    blocking_job* prev = nullptr;
    blocking_job* next = nullptr;
    bool queued = false;  // under the pool's lock
};

// Whether an op waits for the descriptor to become readable (else writable).
constexpr bool is_input(io_opcode c) noexcept {
    return c == io_opcode::read || c == io_opcode::readv || c == io_opcode::pread || c == io_opcode::wait_readable ||
           c == io_opcode::accept || c == io_opcode::recv || c == io_opcode::recvfrom;
}

const char* opcode_name(io_opcode c) noexcept;

// (Its own prev/next, used by the descriptor queues, hide blocking_job's, which the
// blocking pool's queue uses.)
struct io_op : canceller, blocking_job {
    std::coroutine_handle<> handle{};
    promise_base* root = nullptr;
    fd_state* fd = nullptr;      // the descriptor; nullptr for openat
    io_driver* owner = nullptr;  // the driver of the worker that submitted it
    io_op* prev = nullptr;       // links in the descriptor's queue / a reactor's cancel list
    io_op* next = nullptr;
    void* buf = nullptr;         // buffer, iovec array, path or sockaddr
    std::uint64_t offset = 0;    // pread/pwrite; openat: mode
    void* aux = nullptr;         // accept: socklen_t*
    std::int64_t result = 0;     // bytes, or -errno
    std::int64_t since_ns = 0;   // steady_clock ns when it suspended (task dump; latency)
    std::uint32_t len = 0;       // bytes, or iovec count; openat: flags
    std::uint32_t seq_seen = 0;  // epoll: readiness events seen when the syscall last failed
    int aux_flags = 0;           // recv/send flags
    io_opcode code;
    std::atomic<op_state> state{op_state::idle};
    bool installed = false;      // our canceller is installed in the root (epoll: until the op leaves its queue)
    bool untried = false;        // epoll: budget used up, the syscall was not tried yet
    bool cancel_queued = false;  // io_uring: in the owner's cancel list (its blocking_job links)
    bool holds_ref = false;      // holds a reference on fd (io_uring: in flight; epoll: see let_go_of_task)
    bool in_fd_queue = false;    // linked in fd->readers/writers (under fd->lock)
    bool connecting = false;     // epoll connect: in progress, completion is POLLOUT + SO_ERROR
    bool ms_waiter = false;      // io_uring: waits in fd->readers for its multishot (no SQE of its own)
    bool cancel_early = false;   // io_uring: cancelled before submit() queued it (under fd->lock)

    io_op(io_opcode c, fd_state* f, void* b, std::uint32_t n, std::uint64_t off, void* a, int flags) noexcept;
};

// io/src/io_op.cpp
bool io_try(io_op& op) noexcept;
bool io_suspend(io_op& op, std::coroutine_handle<> h, promise_base* root) noexcept;
std::int64_t io_finish(io_op& op);  // throws
// As io_finish, but a failure is returned as -errno (-ECANCELED: the descriptor was closed
// while waiting); a cancellation of the task still throws cancelled_error.
std::int64_t io_finish_raw(io_op& op);
void io_abandon(io_op& op) noexcept;
// The descriptor is a byte stream (pipe, TCP, Unix stream): a short read or write means it
// was drained or filled, so the epoll driver can skip the next syscall until an event.
void mark_stream(fd_state* s) noexcept;
// The descriptor is a connected TCP socket: besides mark_stream, io_uring may keep a
// multishot receive armed on it (reads are served from provided buffers). Not for sockets
// that carry ancillary data (Unix sockets passing descriptors).
void mark_tcp_stream(fd_state* s) noexcept;

// What every I/O call returns: co_await it for the result (bytes transferred, or the
// value the op defines), or an exception naming the op and the errno.
class io_awaiter {
public:
    io_awaiter(io_opcode c, fd_state* f, void* buf = nullptr, std::uint32_t len = 0, std::uint64_t offset = 0,
               void* aux = nullptr, int flags = 0) noexcept
        : op_(c, f, buf, len, offset, aux, flags) {}
    io_awaiter(const io_awaiter&) = delete;
    io_awaiter& operator=(const io_awaiter&) = delete;
    ~io_awaiter() {
        if (op_.state.load(std::memory_order_relaxed) == op_state::pending || op_.holds_ref) io_abandon(op_);
    }

    bool await_ready() noexcept { return io_try(op_); }
    template <class P>
    bool await_suspend(std::coroutine_handle<P> h) noexcept {
        return io_suspend(op_, h, h.promise().root());
    }
    std::size_t await_resume() { return static_cast<std::size_t>(io_finish(op_)); }

    io_op& op() noexcept { return op_; }

private:
    io_op op_;
};

// io_awaiter for callers that handle failures themselves (an accept loop, a hot path that
// expects EAGAIN-like outcomes): co_await gives the result, and a failure sets `ec` (the
// errno, in std::generic_category()) and gives 0 instead of throwing system_error.
// Cancellation still throws cancelled_error.
class io_ec_awaiter : public io_awaiter {
public:
    io_ec_awaiter(std::error_code& ec, io_opcode c, fd_state* f, void* buf = nullptr, std::uint32_t len = 0,
                  std::uint64_t offset = 0, void* aux = nullptr, int flags = 0) noexcept
        : io_awaiter(c, f, buf, len, offset, aux, flags), ec_(ec) {}
    std::size_t await_resume() {
        std::int64_t r = io_finish_raw(op());
        if (r >= 0) {
            ec_.clear();
            return static_cast<std::size_t>(r);
        }
        ec_.assign(static_cast<int>(-r), std::generic_category());
        return 0;
    }

private:
    std::error_code& ec_;
};

}  // namespace weft::detail
