// weft/file.hpp — files: open, read_at, write_at, fsync, close; and whole-file helpers.
// Python: open() + f.read()/f.write() run through asyncio.to_thread (asyncio has no file
// I/O of its own; aiofiles does the same thing).
//
// Native under io_uring (the ring does the reads and writes); under epoll every call runs
// on the blocking pool (a regular file is always "ready", so readiness cannot tell when a
// read would block). Errors throw weft::system_error naming the call and the path.
// Positional calls (read_at/write_at) leave the file offset alone; the stream calls
// inherited from async_fd (read_some, write_all, ...) use it.
//
//   weft::file f = co_await weft::file::open("data.bin", O_RDONLY);
//   std::vector<std::byte> buf(4096);
//   std::size_t n = co_await f.read_at(buf, 0);
//   std::string text = co_await weft::read_file("/etc/hostname");
//
// Cancellation: as async_fd — under io_uring a cancelled call resumes once the kernel is
// done with the buffer; under epoll a call still queued for the blocking pool is dropped,
// one already running runs to its end (its result is then returned).
//
// Thread safety: distinct objects, safe. One object: calls at different offsets may be
// pending at once from different tasks; close() from any thread.
#pragma once

#include <fcntl.h>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include <weft/async_fd.hpp>
#include <weft/task.hpp>

namespace weft {

class file : public async_fd {
public:
    file() noexcept = default;

    // Opens path (open(2) flags, O_CLOEXEC added; mode for O_CREAT).
    static task<file> open(std::string path, int flags = O_RDONLY, unsigned mode = 0644);

    [[nodiscard]] detail::io_awaiter read_at(std::span<std::byte> buf, std::uint64_t offset) noexcept {
        return {detail::io_opcode::pread, state(), buf.data(), clamp(buf.size()), offset};
    }
    [[nodiscard]] detail::io_awaiter write_at(std::span<const std::byte> buf, std::uint64_t offset) noexcept {
        return {detail::io_opcode::pwrite, state(), const_cast<std::byte*>(buf.data()), clamp(buf.size()), offset};
    }
    [[nodiscard]] detail::io_awaiter fsync() noexcept { return {detail::io_opcode::fsync, state()}; }

    // Size in bytes (fstat). Throws system_error.
    std::uint64_t size() const;
    // Writes all of buf at offset.
    task<void> write_all_at(std::span<const std::byte> buf, std::uint64_t offset);

private:
    explicit file(int fd) : async_fd(fd, adopt_file_t{}) {}
};

// The whole file as a string.
task<std::string> read_file(std::string path);
// Creates or truncates path and writes data to it.
task<void> write_file(std::string path, std::string data);

}  // namespace weft
