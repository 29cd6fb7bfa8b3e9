// stream.cpp — stream_socket's loops.
#include <vector>

#include <weft/error.hpp>
#include <weft/net/stream.hpp>

namespace weft::net {

task<void> stream_socket::read_exact(std::span<std::byte> buf) { co_await fd_.read_exact(buf); }

task<void> stream_socket::write_all(std::span<const std::byte> buf) {
    while (!buf.empty()) {
        std::size_t n = co_await write_some(buf);
        buf = buf.subspan(n);
    }
}

task<void> stream_socket::write_all(std::span<const iovec> bufs) {
    std::vector<iovec> rest(bufs.begin(), bufs.end());
    std::size_t first = 0;
    while (first < rest.size()) {
        msghdr msg{};
        msg.msg_iov = rest.data() + first;
        msg.msg_iovlen = rest.size() - first;
        std::size_t n = co_await weft::detail::io_awaiter{weft::detail::io_opcode::sendto, fd_.state(), &msg};
        // Skip what went out.
        while (first < rest.size() && n >= rest[first].iov_len) n -= rest[first++].iov_len;
        if (first < rest.size()) {
            rest[first].iov_base = static_cast<char*>(rest[first].iov_base) + n;
            rest[first].iov_len -= n;
        }
    }
}

void stream_socket::shutdown(shutdown_how how) {
    if (::shutdown(fd_.native_handle(), static_cast<int>(how)) < 0) throw system_error(errno, "shutdown");
}

}  // namespace weft::net
