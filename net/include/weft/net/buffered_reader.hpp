// weft/net/buffered_reader.hpp — buffered reads over a stream: read_line and read_until,
// asyncio's StreamReader.readline() / readuntil() / readexactly().
//
//   weft::net::buffered_reader reader(conn);          // conn: tcp_stream, unix_stream, ...
//   while (true) {
//       std::string line = co_await reader.read_line();  // with its "\n"; "" at end of stream
//       if (line.empty()) break;
//       co_await conn.write_all(weft::as_bytes(line));
//   }
//
// A line longer than the limit throws limit_overrun_error; read_until and read_exact throw
// weft::incomplete_read_error (weft/io_error.hpp) when the stream ends first (what was read
// is in partial()). Stream is anything with read_some(std::span<std::byte>) returning an
// awaitable byte count: tcp_stream, unix_stream, async_fd, a TLS stream.
//
// Cancellation: a cancelled read leaves what was already buffered in the reader (nothing
// is lost; the next call sees it).
//
// Thread safety: the stream must outlive the reader; one task reads at a time.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <weft/error.hpp>
#include <weft/io_error.hpp>
#include <weft/task.hpp>

namespace weft::net {

class limit_overrun_error : public weft::error {
public:
    using weft::error::error;
};

template <class Stream>
class buffered_reader {
public:
    explicit buffered_reader(Stream& s, std::size_t buffer_size = 8192, std::size_t limit = 65536)
        : stream_(s), buf_(buffer_size), limit_(limit) {}

    // Up to and including delim. Throws incomplete_read_error at the end of the stream
    // and limit_overrun_error past the limit.
    task<std::string> read_until(std::string_view delim) {
        std::size_t searched = 0;
        while (true) {
            std::string_view have(reinterpret_cast<const char*>(buf_.data()) + start_, end_ - start_);
            std::size_t from = searched > delim.size() ? searched - delim.size() + 1 : 0;
            if (auto pos = have.find(delim, from); pos != std::string_view::npos) {
                std::string out(have.substr(0, pos + delim.size()));
                start_ += pos + delim.size();
                co_return out;
            }
            searched = have.size();
            if (have.size() >= limit_) throw limit_overrun_error("read_until: no delimiter within the limit");
            if (co_await fill() == 0) {
                std::string partial(have);
                start_ = end_ = 0;
                throw incomplete_read_error("read_until", 0, std::move(partial));
            }
        }
    }

    // A line with its "\n"; at the end of the stream what is left (possibly "").
    task<std::string> read_line() {
        try {
            co_return co_await read_until("\n");
        } catch (const incomplete_read_error& e) {
            co_return e.partial();
        }
    }

    // Some bytes (from the buffer first); 0 at the end of the stream.
    task<std::size_t> read_some(std::span<std::byte> out) {
        if (start_ == end_ && co_await fill() == 0) co_return 0;
        std::size_t n = std::min(out.size(), end_ - start_);
        std::memcpy(out.data(), buf_.data() + start_, n);
        start_ += n;
        co_return n;
    }

    task<void> read_exact(std::span<std::byte> out) {
        std::size_t got = 0;
        while (got < out.size()) {
            std::size_t n = co_await read_some(out.subspan(got));
            if (n == 0)
                throw incomplete_read_error("read_exact", out.size(),
                                            std::string(reinterpret_cast<const char*>(out.data()), got));
            got += n;
        }
    }

    // Bytes buffered and not yet returned.
    std::size_t buffered() const noexcept { return end_ - start_; }

private:
    // Reads more into the buffer (compacting or growing it); 0 at the end of the stream.
    task<std::size_t> fill() {
        if (start_ > 0 && (end_ == buf_.size() || start_ == end_)) {
            std::memmove(buf_.data(), buf_.data() + start_, end_ - start_);
            end_ -= start_;
            start_ = 0;
        }
        if (end_ == buf_.size()) buf_.resize(std::min(buf_.size() * 2, std::max(limit_ + 1, buf_.size() + 1)));
        std::size_t n = co_await stream_.read_some(std::span<std::byte>(buf_.data() + end_, buf_.size() - end_));
        end_ += n;
        co_return n;
    }

    Stream& stream_;
    std::vector<std::byte> buf_;
    std::size_t limit_;
    std::size_t start_ = 0;
    std::size_t end_ = 0;
};

}  // namespace weft::net
