// weft/http/detail/server_connection_send.hpp — how server_connection writes a response:
// small ones appended to the pipelining buffer, larger ones as head + body in one vectored
// write, files with sendfile on a socket (read and write otherwise), streamed bodies
// chunked. Part of server_connection.hpp, which includes it at its end; users do not
// include this.
//
// Thread safety: a connection is one task.
#pragma once

#include <sys/sendfile.h>
#include <sys/uio.h>

#include <weft/http/detail/server_connection.hpp>

namespace weft::http::detail {

// A response of a string or bytes that fits after its head: appended to out_, written with
// the next flush. False: send() it.
template <class Stream>
bool server_connection<Stream>::send_inline(response& r) {
    std::span<const std::byte> bytes;
    if (auto* str = std::get_if<std::string>(&r.body()))
        bytes = std::as_bytes(std::span(str->data(), str->size()));
    else if (auto* v = std::get_if<std::vector<std::byte>>(&r.body()))
        bytes = *v;
    else
        return false;
    if (bytes.size() > inline_body) return false;
    if (asks_close(r)) keep_ = false;
    const unsigned status = r.status();
    const bool no_body = status < 200 || status == 204 || status == 304;
    write_head(out_, st_, r, no_body ? std::nullopt : std::optional<std::uint64_t>(bytes.size()), false, keep_,
               http10_);
    if (!is_head_ && !no_body) out_.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    return true;
}

template <class Stream>
task<void> server_connection<Stream>::send(response& r) {
    if (send_inline(r)) co_return;
    if (asks_close(r)) keep_ = false;
    const unsigned status = r.status();
    const bool no_body = status < 200 || status == 204 || status == 304;
    auto& body = r.body();
    if (auto* fb = std::get_if<response::file_body>(&body)) co_return co_await send_file(r, *fb);
    if (auto* sb = std::get_if<response::stream_body>(&body)) co_return co_await send_stream(r, *sb);
    std::span<const std::byte> bytes;
    if (auto* str = std::get_if<std::string>(&body))
        bytes = std::as_bytes(std::span(str->data(), str->size()));
    else
        bytes = std::get<std::vector<std::byte>>(body);
    write_head(out_, st_, r, no_body ? std::nullopt : std::optional<std::uint64_t>(bytes.size()), false, keep_,
               http10_);
    if (!is_head_ && !no_body && !bytes.empty()) {
        if (bytes.size() <= inline_body) {
            out_.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
        } else if constexpr (has_writev) {
            iovec v[2] = {{out_.data(), out_.size()}, {const_cast<std::byte*>(bytes.data()), bytes.size()}};
            arm(st_.options.limits.write_timeout);
            co_await s_.write_all(std::span<const iovec>(v, 2));
            disarm();
            out_.clear();
        } else {
            co_await flush();
            co_await write_bytes(bytes);
        }
    }
    if (out_.size() >= flush_at) co_await flush();
}

template <class Stream>
task<void> server_connection<Stream>::send_file(response& r, const response::file_body& fb) {
    const bool no_body = r.status() < 200 || r.status() == 204 || r.status() == 304;
    weft::file f;
    unsigned failed = 0;
    std::uint64_t size = 0;
    try {
        f = co_await weft::file::open(fb.path, O_RDONLY);
        if (!is_regular_file(f.native_handle()))
            failed = 403;  // a directory, a device, ...
        else
            size = f.size();
    } catch (const system_error& e) {
        const int code = e.code().value();
        failed = code == ENOENT || code == ENOTDIR ? 404 : code == EACCES || code == EISDIR ? 403 : 500;
    }
    if (failed != 0) {
        // The path is not echoed: it is the server's, not the client's.
        response err = error_response(failed, "");
        co_return co_await send(err);
    }
    write_head(out_, st_, r, no_body ? std::nullopt : std::optional<std::uint64_t>(size), false, keep_, http10_);
    if (is_head_ || no_body || size == 0) co_return;
    std::uint64_t sent = 0;
    if (size <= inline_file) {  // small: read behind the head, one write for both
        const std::size_t at = out_.size();
        out_.resize(at + size);
        while (sent < size) {
            std::size_t n =
                co_await f.read_at(std::as_writable_bytes(std::span(out_.data() + at + sent, size - sent)), sent);
            if (n == 0) break;
            sent += n;
        }
        out_.resize(at + sent);
    } else {
        co_await flush();
        if constexpr (is_socket) {
            off_t off = 0;
            while (static_cast<std::uint64_t>(off) < size) {
                const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(size - off, 1u << 20));
                const long n = sendfile_raw(s_.native_handle(), f.native_handle(), &off, want);
                if (n > 0) continue;
                if (n == 0) break;  // the file shrank
                if (n == -EAGAIN) {
                    arm(st_.options.limits.write_timeout);
                    co_await s_.fd().writable();
                    disarm();
                    continue;
                }
                if (n == -EINTR) continue;
                throw system_error(static_cast<int>(-n), "sendfile " + fb.path);
            }
            sent = static_cast<std::uint64_t>(off);
        } else {
            std::unique_ptr<std::byte[]> chunk(new std::byte[inline_file]);
            while (sent < size) {
                std::size_t n = co_await f.read_at(
                    std::span(chunk.get(), static_cast<std::size_t>(std::min<std::uint64_t>(size - sent, inline_file))),
                    sent);
                if (n == 0) break;
                co_await write_bytes(std::span<const std::byte>(chunk.get(), n));
                sent += n;
            }
        }
    }
    if (sent != size) keep_ = false;  // the file changed under us: the length we sent is wrong
}

template <class Stream>
task<void> server_connection<Stream>::send_stream(response& r, response::stream_body& sb) {
    const bool no_body = r.status() < 200 || r.status() == 204 || r.status() == 304;
    chunked_out_ = !sb.length && !http10_ && !no_body;
    if (!sb.length && http10_) keep_ = false;  // HTTP/1.0 has no chunked: the body ends at close
    write_head(out_, st_, r, no_body ? std::nullopt : sb.length, chunked_out_, keep_, http10_);
    co_await flush();
    if (is_head_ || no_body) co_return;
    streamed_ = 0;
    bool failed = false;
    try {
        co_await sb.producer(*this);
    } catch (const cancelled_error&) {
        throw;
    } catch (const std::exception& e) {
        log_handler_failure(req_.method(), req_.target(), e.what());
        failed = true;
    }
    if (failed || (sb.length && streamed_ != *sb.length)) {
        keep_ = false;  // the client sees a cut body: no final chunk, or fewer bytes than announced
        co_return;
    }
    if (chunked_out_) co_await write_bytes(as_bytes("0\r\n\r\n"));
}

template <class Stream>
task<void> server_connection<Stream>::write(std::span<const std::byte> bytes) {
    if (bytes.empty()) co_return;
    streamed_ += bytes.size();
    if (!chunked_out_) co_return co_await write_bytes(bytes);
    char line[24];
    const std::size_t len = chunk_line(line, bytes.size());
    if constexpr (has_writev) {
        iovec v[3] = {
            {line, len}, {const_cast<std::byte*>(bytes.data()), bytes.size()}, {const_cast<char*>("\r\n"), 2}};
        arm(st_.options.limits.write_timeout);
        co_await s_.write_all(std::span<const iovec>(v, 3));
        disarm();
    } else {
        co_await write_bytes(std::as_bytes(std::span(line, len)));
        co_await write_bytes(bytes);
        co_await write_bytes(as_bytes("\r\n"));
    }
}

}  // namespace weft::http::detail
