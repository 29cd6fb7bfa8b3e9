// weft/io_error.hpp — the exceptions of the io and net modules beyond weft::system_error.
//
//   try { co_await stream.read_exact(header); }
//   catch (const weft::incomplete_read_error& e) { log("peer left after {} bytes", e.bytes_read()); }
//
// incomplete_read_error is what every read_exact (async_fd, stream sockets,
// buffered_reader) and buffered_reader::read_until throw when the stream ends first —
// asyncio's IncompleteReadError; partial() holds what was read. A failed system call is a
// weft::system_error (weft/error.hpp) carrying the errno.
//
// Thread safety: exception objects are immutable after construction.
#pragma once

#include <cstddef>
#include <string>
#include <utility>

#include <weft/error.hpp>

namespace weft {

class incomplete_read_error : public error {
public:
    // `what` names the call; `expected` is what was asked for (0: up to a delimiter).
    incomplete_read_error(const std::string& what, std::size_t expected, std::string partial)
        : error(what + ": the stream ended after " + std::to_string(partial.size()) + " bytes" +
                (expected ? " of " + std::to_string(expected) : std::string())),
          expected_(expected),
          partial_(std::move(partial)) {}

    std::size_t expected() const noexcept { return expected_; }
    std::size_t bytes_read() const noexcept { return partial_.size(); }
    // The bytes that did arrive.
    const std::string& partial() const noexcept { return partial_; }

private:
    std::size_t expected_;
    std::string partial_;
};

}  // namespace weft
