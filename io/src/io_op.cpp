// io_op.cpp — the out-of-line halves of io_awaiter (see weft/detail/io_op.hpp) and the
// direct system call of each op. What differs between the drivers (whether to try the call
// at once, how to wait) is the driver's (io_driver.hpp).
#include <sys/socket.h>

#include <chrono>
#include <climits>

#include <weft/detail/io_op.hpp>
#include <weft/detail/wait_describe.hpp>
#include <weft/error.hpp>

#include "io_driver.hpp"
#include "perform.hpp"
#include "reactor.hpp"
#include "syscalls.hpp"

namespace weft::detail {
namespace {

// io_try found no reactor: the op was awaited outside a weft worker.
constexpr std::int64_t no_reactor = INT64_MIN;

void io_on_cancel(canceller* c) noexcept {
    auto* op = static_cast<io_op*>(c);
    op->owner->cancel(*op);
}

// For the task dump: the op, its descriptor and since when (written before the canceller
// is installed). The descriptor is alive while the dump holds the canceller: the op is in
// its queue (epoll; the async_fd's reference lasts until close() empties the queues), in
// flight with a reference (io_uring), or it left the queue while held and took a reference
// (io_driver::let_go_of_task).
void describe_io(const canceller* c, wait_description& d) noexcept {
    auto* op = static_cast<const io_op*>(c);
    d.kind = !op->fd ? wait_kind::io : is_input(op->code) ? wait_kind::fd_read : wait_kind::fd_write;
    if (op->code == io_opcode::fsync || op->code == io_opcode::pread || op->code == io_opcode::pwrite)
        d.kind = wait_kind::io;
    d.object = op->fd ? static_cast<std::uint64_t>(op->fd->fd) : 0;
    d.detail = opcode_name(op->code);
    d.since_ns = op->since_ns;
}
const bool io_described = register_wait_describer(&io_on_cancel, &describe_io);

}  // namespace

io_op::io_op(io_opcode c, fd_state* f, void* b, std::uint32_t n, std::uint64_t off, void* a, int flags) noexcept
    : canceller{&io_on_cancel}, fd(f), buf(b), offset(off), aux(a), len(n), aux_flags(flags), code(c) {}

const char* opcode_name(io_opcode c) noexcept {
    switch (c) {
        case io_opcode::read:
            return "read";
        case io_opcode::write:
            return "write";
        case io_opcode::readv:
            return "readv";
        case io_opcode::writev:
            return "writev";
        case io_opcode::pread:
            return "read_at";
        case io_opcode::pwrite:
            return "write_at";
        case io_opcode::wait_readable:
            return "wait readable";
        case io_opcode::wait_writable:
            return "wait writable";
        case io_opcode::fsync:
            return "fsync";
        case io_opcode::openat:
            return "open";
        case io_opcode::accept:
            return "accept";
        case io_opcode::connect:
            return "connect";
        case io_opcode::recv:
            return "recv";
        case io_opcode::send:
            return "send";
        case io_opcode::recvfrom:
            return "recvfrom";
        case io_opcode::sendto:
            return "sendto";
    }
    return "io";
}

std::int64_t perform(io_op& op) noexcept {
    const int fd = op.fd ? op.fd->fd : -1;
    switch (op.code) {
        case io_opcode::read:
            return sys::read(fd, op.buf, op.len);
        case io_opcode::write:
            return sys::write(fd, op.buf, op.len);
        case io_opcode::readv:
            return sys::readv(fd, static_cast<const iovec*>(op.buf), static_cast<int>(op.len));
        case io_opcode::writev:
            return sys::writev(fd, static_cast<const iovec*>(op.buf), static_cast<int>(op.len));
        case io_opcode::pread:
            return sys::pread(fd, op.buf, op.len, op.offset);
        case io_opcode::pwrite:
            return sys::pwrite(fd, op.buf, op.len, op.offset);
        case io_opcode::fsync:
            return sys::fsync(fd);
        case io_opcode::openat:
            return sys::openat(AT_FDCWD, static_cast<const char*>(op.buf), static_cast<int>(op.len),
                               static_cast<unsigned>(op.offset));
        case io_opcode::wait_readable:
        case io_opcode::wait_writable: {
            std::int64_t r = sys::poll_now(fd, is_input(op.code) ? POLLIN : POLLOUT);
            return r == 0 ? -EAGAIN : r;
        }
        case io_opcode::accept:
            return sys::accept(fd, static_cast<sockaddr*>(op.buf), static_cast<socklen_t*>(op.aux));
        case io_opcode::connect: {
            if (!op.connecting) {
                std::int64_t r = sys::connect(fd, static_cast<const sockaddr*>(op.buf), static_cast<socklen_t>(op.len));
                if (r != -EINPROGRESS) return r;
                op.connecting = true;
                return -EAGAIN;
            }
            std::int64_t ready = sys::poll_now(fd, POLLOUT);
            if (ready <= 0) return ready == 0 ? -EAGAIN : ready;
            int err = 0;
            socklen_t l = sizeof(err);
            if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &l) < 0) return -errno;
            return -err;
        }
        case io_opcode::recv:
            return sys::recv(fd, op.buf, op.len, op.aux_flags);
        case io_opcode::send:
            return sys::send(fd, op.buf, op.len, op.aux_flags);
        case io_opcode::recvfrom:
            return sys::recvmsg(fd, static_cast<msghdr*>(op.buf), op.aux_flags);
        case io_opcode::sendto:
            return sys::sendmsg(fd, static_cast<const msghdr*>(op.buf), op.aux_flags);
    }
    return -EINVAL;
}

bool io_try(io_op& op) noexcept {
    if (!op.fd && op.code != io_opcode::openat) {  // a closed (or moved-from) async_fd
        op.result = -EBADF;
        return true;
    }
    reactor* r = current_reactor();
    if (!r) {
        op.result = no_reactor;
        return true;
    }
    op.owner = &r->driver();
    if (op.fd) op.owner->note_fd_op(*op.fd);
    return op.owner->try_now(op);
}

void mark_stream(fd_state* s) noexcept {
    if (s) s->short_io_drains = true;
}

void mark_tcp_stream(fd_state* s) noexcept {
    if (!s) return;
    s->short_io_drains = true;
    s->multishot_rx = true;
}

bool io_suspend(io_op& op, std::coroutine_handle<> h, promise_base* root) noexcept {
    (void)io_described;
    op.handle = h;
    op.root = root;
    op.since_ns =
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
            .count();
    if (!root->install_canceller(&op)) {
        op.result = -ECANCELED;
        return false;
    }
    op.installed = true;
    root->note_suspend();
    op.state.store(op_state::pending, std::memory_order_relaxed);
    // From here on a completion may resume the task on another thread at any time.
    return op.owner->submit(op);
}

std::int64_t io_finish(io_op& op) {
    const std::int64_t res = io_finish_raw(op);
    if (res >= 0) return res;
    if (res == -ECANCELED)
        throw system_error(ECANCELED, std::string(opcode_name(op.code)) + ": descriptor closed while waiting");
    throw system_error(static_cast<int>(-res), opcode_name(op.code));
}

std::int64_t io_finish_raw(io_op& op) {
    if (op.since_ns != 0) {  // it waited: its latency, on the worker that resumed it
        if (reactor* r = current_reactor())
            r->record_io_latency(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                     std::chrono::steady_clock::now().time_since_epoch())
                                     .count() -
                                 op.since_ns);
    }
    if (op.installed) {
        op.root->remove_canceller(&op);
        op.installed = false;
    }
    op.since_ns = 0;  // after the canceller is gone: the task dump reads it until then
    if (op.holds_ref) {
        op.holds_ref = false;
        op.fd->release();
    }
    op.state.store(op_state::idle, std::memory_order_relaxed);
    const std::int64_t res = op.result;
    if (res >= 0) return res;
    if (res == no_reactor)
        throw error(std::string("weft: ") + opcode_name(op.code) +
                    " awaited outside a worker of a weft runtime with I/O (weft::io_stack)");
    // -ECANCELED: the task was cancelled (throw), or the descriptor was closed (a result).
    if (res == -ECANCELED && op.root && op.root->take_cancel()) throw cancelled_error();
    return res;
}

void io_abandon(io_op& op) noexcept {
    // The task's frame is being destroyed while the op is pending (runtime shutdown: the
    // drivers have stopped, so only descriptor queues can still point at it).
    if (op.fd) {
        op.fd->lock.lock();
        if (op.in_fd_queue) {
            op.fd->queue_for(op.code).erase(&op);
            op.in_fd_queue = false;
        }
        op.fd->lock.unlock();
    }
    if (op.holds_ref) {
        op.holds_ref = false;
        op.fd->release();
    }
    op.state.store(op_state::idle, std::memory_order_relaxed);
}

}  // namespace weft::detail
