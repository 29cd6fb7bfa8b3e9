// syscalls.hpp — the system calls the drivers make, as plain functions that return the
// result or -errno (the io_uring convention). Nothing in a coroutine body reads errno:
// clang 14 caches it across a co_await that moves the task to another thread.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

namespace weft::detail::sys {

inline std::int64_t ret(long r) noexcept { return r < 0 ? -errno : r; }

inline std::int64_t read(int fd, void* b, std::size_t n) noexcept { return ret(::read(fd, b, n)); }
inline std::int64_t write(int fd, const void* b, std::size_t n) noexcept { return ret(::write(fd, b, n)); }
inline std::int64_t readv(int fd, const iovec* v, int n) noexcept { return ret(::readv(fd, v, n)); }
inline std::int64_t writev(int fd, const iovec* v, int n) noexcept { return ret(::writev(fd, v, n)); }
inline std::int64_t pread(int fd, void* b, std::size_t n, std::uint64_t off) noexcept {
    return ret(::pread(fd, b, n, static_cast<off_t>(off)));
}
inline std::int64_t pwrite(int fd, const void* b, std::size_t n, std::uint64_t off) noexcept {
    return ret(::pwrite(fd, b, n, static_cast<off_t>(off)));
}
inline std::int64_t fsync(int fd) noexcept { return ret(::fsync(fd)); }
inline std::int64_t openat(int dir, const char* path, int flags, unsigned mode) noexcept {
    return ret(::openat(dir, path, flags | O_CLOEXEC, mode));
}
inline std::int64_t close(int fd) noexcept { return ret(::close(fd)); }
// Readiness right now (poll with a zero timeout): the revents, 0 if not ready.
inline std::int64_t poll_now(int fd, short events) noexcept {
    pollfd p{fd, events, 0};
    long r = ::poll(&p, 1, 0);
    return r < 0 ? -errno : (r == 0 ? 0 : p.revents);
}
inline std::int64_t accept(int fd, sockaddr* a, socklen_t* l) noexcept {
    return ret(::accept4(fd, a, l, SOCK_NONBLOCK | SOCK_CLOEXEC));
}
inline std::int64_t connect(int fd, const sockaddr* a, socklen_t l) noexcept { return ret(::connect(fd, a, l)); }
inline std::int64_t recv(int fd, void* b, std::size_t n, int f) noexcept { return ret(::recv(fd, b, n, f)); }
inline std::int64_t send(int fd, const void* b, std::size_t n, int f) noexcept {
    return ret(::send(fd, b, n, f | MSG_NOSIGNAL));
}
inline std::int64_t recvmsg(int fd, msghdr* m, int f) noexcept { return ret(::recvmsg(fd, m, f)); }
inline std::int64_t sendmsg(int fd, const msghdr* m, int f) noexcept { return ret(::sendmsg(fd, m, f | MSG_NOSIGNAL)); }
// Sets O_NONBLOCK; 0 or -errno.
inline int set_nonblocking(int fd) noexcept {
    int fl = ::fcntl(fd, F_GETFL);
    if (fl < 0) return -errno;
    if (fl & O_NONBLOCK) return 0;
    return ::fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0 ? -errno : 0;
}

}  // namespace weft::detail::sys
