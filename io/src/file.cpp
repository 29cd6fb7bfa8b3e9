// file.cpp — file::open and the whole-file helpers.
#include <sys/stat.h>

#include <weft/error.hpp>
#include <weft/file.hpp>

namespace weft {

task<file> file::open(std::string path, int flags, unsigned mode) {
    detail::io_awaiter op{detail::io_opcode::openat, nullptr, path.data(), static_cast<std::uint32_t>(flags), mode};
    try {
        co_return file(static_cast<int>(co_await op));
    } catch (const system_error& e) {
        throw system_error(e.code().value(), "open " + path);
    }
}

std::uint64_t file::size() const {
    struct stat st;
    if (::fstat(native_handle(), &st) < 0) throw system_error(errno, "fstat");
    return static_cast<std::uint64_t>(st.st_size);
}

task<void> file::write_all_at(std::span<const std::byte> buf, std::uint64_t offset) {
    while (!buf.empty()) {
        std::size_t n = co_await write_at(buf, offset);
        buf = buf.subspan(n);
        offset += n;
    }
}

task<std::string> read_file(std::string path) {
    file f = co_await file::open(path, O_RDONLY);
    std::string out;
    out.resize(static_cast<std::size_t>(f.size()) + 1);  // +1: learn about EOF in one read
    std::size_t have = 0;
    while (true) {
        if (have == out.size()) out.resize(out.size() * 2);
        std::span<std::byte> rest{reinterpret_cast<std::byte*>(out.data()) + have, out.size() - have};
        std::size_t n = co_await f.read_at(rest, have);
        if (n == 0) break;
        have += n;
    }
    out.resize(have);
    co_return out;
}

task<void> write_file(std::string path, std::string data) {
    file f = co_await file::open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    co_await f.write_all_at(as_bytes(data), 0);
}

}  // namespace weft
