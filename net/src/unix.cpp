// unix.cpp — Unix domain sockets.
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

#include <weft/net/unix.hpp>

#include "socket_ops.hpp"

namespace weft::net {
namespace {

// sockaddr_un for path ('@' = abstract). Returns the length.
socklen_t make_address(const std::string& path, sockaddr_un& sun) {
    std::memset(&sun, 0, sizeof sun);
    sun.sun_family = AF_UNIX;
    if (path.empty() || path.size() >= sizeof sun.sun_path)
        throw weft::error("unix socket path \"" + path + "\": empty or longer than " +
                          std::to_string(sizeof sun.sun_path - 1) + " bytes");
    std::memcpy(sun.sun_path, path.data(), path.size());
    if (path[0] == '@') sun.sun_path[0] = '\0';
    return static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size() + (path[0] == '@' ? 0 : 1));
}

std::string path_of(const sockaddr_un& sun, socklen_t len) {
    std::size_t n = len > offsetof(sockaddr_un, sun_path) ? len - offsetof(sockaddr_un, sun_path) : 0;
    if (n == 0) return {};
    if (sun.sun_path[0] == '\0') {  // abstract: '@' + the name (appended: gcc 12's -Wrestrict false positive)
        std::string s(1, '@');
        s.append(sun.sun_path + 1, n - 1);
        return s;
    }
    return std::string(sun.sun_path, strnlen(sun.sun_path, n));
}

// Removes a socket file left by an earlier process (never a regular file).
void remove_stale(const std::string& path) {
    struct stat st;
    if (path[0] != '@' && ::lstat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode)) ::unlink(path.c_str());
}

void bind_path(int fd, const std::string& path) {
    sockaddr_un sun;
    socklen_t len = make_address(path, sun);
    remove_stale(path);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&sun), len) < 0) throw system_error(errno, "bind " + path);
}

void unlink_ours(const std::string& path) {
    if (!path.empty() && path[0] != '@') ::unlink(path.c_str());
}

}  // namespace

task<unix_stream> unix_stream::connect(std::string path) {
    async_fd fd(detail::open_socket(AF_UNIX, SOCK_STREAM, 0, "connect " + path));
    sockaddr_un sun;
    socklen_t len = make_address(path, sun);
    try {
        co_await weft::detail::io_awaiter{weft::detail::io_opcode::connect, fd.state(), &sun,
                                          static_cast<std::uint32_t>(len)};
    } catch (const system_error& e) {
        throw system_error(e.code().value(), "connect " + path);
    }
    co_return unix_stream(std::move(fd));
}

std::pair<unix_stream, unix_stream> unix_stream::pair() {
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) < 0)
        throw system_error(errno, "socketpair");
    return {unix_stream(async_fd(sv[0])), unix_stream(async_fd(sv[1]))};
}

detail::path_bound_socket& detail::path_bound_socket::operator=(path_bound_socket&& o) noexcept {
    if (this != &o) {
        close();
        fd_ = std::move(o.fd_);
        path_ = std::exchange(o.path_, {});
    }
    return *this;
}

void detail::path_bound_socket::close() noexcept {
    if (fd_.is_open()) {
        fd_.close();
        unlink_ours(path_);
    }
    path_.clear();
}

unix_listener unix_listener::bind(std::string path, const bind_options& opts) {
    unix_listener l;
    l.fd_ = async_fd(detail::open_socket(AF_UNIX, SOCK_STREAM, 0, "listen " + path));
    bind_path(l.fd_.native_handle(), path);
    l.path_ = path;
    if (::listen(l.fd_.native_handle(), opts.backlog) < 0) throw system_error(errno, "listen " + path);
    return l;
}

task<unix_stream> unix_listener::accept() {
    int fd = static_cast<int>(co_await weft::detail::io_awaiter{weft::detail::io_opcode::accept, fd_.state()});
    co_return unix_stream(async_fd(fd));
}

unix_datagram unix_datagram::bind(std::string path, const bind_options&) {
    unix_datagram d;
    d.fd_ = async_fd(detail::open_socket(AF_UNIX, SOCK_DGRAM, 0, "bind " + path));
    bind_path(d.fd_.native_handle(), path);
    d.path_ = std::move(path);
    return d;
}

unix_datagram unix_datagram::unbound() {
    unix_datagram d;
    d.fd_ = async_fd(detail::open_socket(AF_UNIX, SOCK_DGRAM, 0, "unix datagram socket"));
    return d;
}

std::pair<unix_datagram, unix_datagram> unix_datagram::pair() {
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) < 0)
        throw system_error(errno, "socketpair");
    std::pair<unix_datagram, unix_datagram> p;
    p.first.fd_ = async_fd(sv[0]);
    p.second.fd_ = async_fd(sv[1]);
    return p;
}

task<std::size_t> unix_datagram::send_to(std::span<const std::byte> data, std::string path) {
    sockaddr_un sun;
    const socklen_t len = make_address(path, sun);
    try {
        co_return co_await detail::send_message(fd_, data, &sun, len);
    } catch (const system_error& e) {
        throw system_error(e.code().value(), "send_to " + path);
    }
}

task<std::pair<std::size_t, std::string>> unix_datagram::recv_from(std::span<std::byte> buf) {
    sockaddr_un sun{};
    socklen_t len = sizeof sun;
    std::size_t n = co_await detail::recv_message(fd_, buf, &sun, &len);
    co_return std::pair{n, path_of(sun, len)};
}

}  // namespace weft::net
