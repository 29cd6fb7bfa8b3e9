// async_fd.cpp — descriptor ownership (open, close, release) and the stream helpers.
#include <weft/async_fd.hpp>
#include <weft/error.hpp>

#include "reactor.hpp"
#include "syscalls.hpp"

namespace weft {
namespace {

// Ends the ops on s (ECANCELED) and takes it out of its reactor; the fd stays open.
void detach(detail::fd_state& s) noexcept {
    while (true) {
        s.lock.lock();
        detail::io_driver* r = s.registered;  // epoll
        detail::io_op* any = s.readers.head ? s.readers.head : s.writers.head;
        if (!r && !any) {
            s.closed = true;
            s.lock.unlock();
            return;
        }
        s.lock.unlock();
        (r ? r : any->owner)->close_fd(s);
        s.lock.lock();
        bool done = s.closed && !s.registered;
        s.lock.unlock();
        if (done) return;
    }
}

int checked(int fd) {
    if (fd < 0 || ::fcntl(fd, F_GETFD) < 0) throw system_error(EBADF, "async_fd: not an open descriptor");
    return fd;
}

}  // namespace

async_fd::async_fd(int fd) : state_(new detail::fd_state(checked(fd))) {
    if (int err = detail::sys::set_nonblocking(fd); err != 0) {
        delete state_;
        state_ = nullptr;
        throw system_error(-err, "async_fd: fcntl(O_NONBLOCK)");
    }
}

async_fd::async_fd(int fd, adopt_file_t) : state_(new detail::fd_state(checked(fd))) {}

async_fd& async_fd::operator=(async_fd&& o) noexcept {
    if (this != &o) {
        close();
        state_ = std::exchange(o.state_, nullptr);
    }
    return *this;
}

async_fd::~async_fd() { close(); }

int async_fd::native_handle() const noexcept { return state_ ? state_->fd : -1; }

int async_fd::release() noexcept {
    if (!state_) return -1;
    detail::fd_state* s = std::exchange(state_, nullptr);
    detach(*s);
    int fd = s->fd;
    s->release();
    return fd;
}

void async_fd::close() noexcept {
    int fd = release();
    if (fd >= 0) detail::sys::close(fd);
}

task<void> async_fd::write_all(std::span<const std::byte> buf) {
    while (!buf.empty()) {
        std::size_t n = co_await write_some(buf);
        buf = buf.subspan(n);
    }
}

task<void> async_fd::read_exact(std::span<std::byte> buf) {
    std::size_t got = 0;
    while (got < buf.size()) {
        std::size_t n = co_await read_some(buf.subspan(got));
        if (n == 0)
            throw incomplete_read_error("read_exact", buf.size(),
                                        std::string(reinterpret_cast<const char*>(buf.data()), got));
        got += n;
    }
}

io_driver_kind current_io_driver() {
    detail::reactor* r = detail::current_reactor();
    if (!r) throw error("current_io_driver: not on a worker of a weft runtime with I/O");
    return r->driver().kind();
}

pipe_ends make_pipe() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) < 0) throw system_error(errno, "pipe2");
    pipe_ends p{async_fd(fds[0]), async_fd(fds[1])};
    detail::mark_stream(p.read_end.state());
    detail::mark_stream(p.write_end.state());
    return p;
}

}  // namespace weft
