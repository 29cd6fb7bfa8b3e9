// weft/http/detail/server_connection.hpp — one HTTP/1.1 server connection over any Stream:
// read a request's head, run the handler, write the response, again while keep-alive
// holds. Users do not include this; server.hpp instantiates it for TCP and for
// tls_stream<tcp_stream> (HTTPS).
//
// Stream is what weft::net::tcp_stream and weft::net::tls_stream offer:
//   co_await s.read_some(std::span<std::byte>) -> std::size_t (0: the peer closed)
//   co_await s.write_all(std::span<const std::byte>), s.close(), and s.shutdown(
//   net::shutdown_how) or (TLS: close_notify first) co_await s.shutdown()
// and, used when present: write_some (the hot path, no coroutine frame per write), vectored
// write_all(std::span<const iovec>), fd() (a socket: sendfile for large files).
//
// The buffer: one per connection (4 KiB, grown up to the header limit). A request's head
// stays where it was read while its handler runs (the request views it); its body is read
// behind it, dropping what the handler consumed. Pipelining: requests already buffered are
// handled before anything is written, their responses gathered in `out_` and written
// together before the next read, in order.
//
// A handler that is cancelled (the grace period after a stop ran out, a body read that
// timed out, a handler that lets a cancelled_error out): the answers to the requests
// pipelined before it may still be in `out_`. They go out first, then 503 Service
// Unavailable (408 Request Timeout for a body that stopped arriving) with Connection:
// close, then a half-close, all within final_write_limit; then the connection ends and the
// cancellation goes on. If the cancellation cut one of our own writes, what the client got
// is unknown, and nothing more is sent.
//
// Thread safety: a connection is one task.
#pragma once

#include <sys/uio.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <memory>
#include <string>
#include <type_traits>
#include <variant>

#include <weft/error.hpp>
#include <weft/file.hpp>
#include <weft/http/detail/http1_parser.hpp>
#include <weft/http/detail/message_writer.hpp>
#include <weft/http/detail/server_state.hpp>
#include <weft/http/errors.hpp>
#include <weft/http/request.hpp>
#include <weft/http/response.hpp>
#include <weft/net/stream.hpp>
#include <weft/task.hpp>

namespace weft::http::detail {

// The request's private parts, for the connection and the router.
struct request_access {
    static void bind(request& r, const char* base, const http1_parser& p, body_source* body);
    static void clear_params(request& r) noexcept { r.param_count_ = 0; }
    static void add_param(request& r, std::string_view name, std::string_view value);
};

template <class Stream>
class server_connection final : public body_source, public body_writer {
public:
    server_connection(Stream& s, server_state& st, conn_record& rec)
        : s_(s), st_(st), rec_(rec), parser_(http1_parser::kind::request, st.parse_limits) {}

    task<void> run();
    std::uint64_t requests() const noexcept { return requests_; }

    task<std::span<const std::byte>> next_body_piece() override;
    using body_writer::write;
    task<void> write(std::span<const std::byte> bytes) override;

private:
    static constexpr std::uint32_t initial_buffer = 4096;
    static constexpr std::uint32_t min_body_room = 4096;
    static constexpr std::size_t inline_body = 16 * 1024;  // copied after the head; larger: a vectored write
    static constexpr std::uint64_t inline_file = 64 * 1024;
    static constexpr std::size_t flush_at = 64 * 1024;  // pipelined responses gathered up to this
    // After a cancelled handler: the answers still owed are written within this (or
    // write_timeout, if shorter). Short, because a stop waits for it; long enough for a
    // client that reads.
    static constexpr std::chrono::milliseconds final_write_limit{1000};

    static constexpr bool has_write_some = requires(Stream & s, std::span<const std::byte> b) { s.write_some(b); };
    static constexpr bool has_writev = requires(Stream & s, std::span<const iovec> v) { s.write_all(v); };
    static constexpr bool is_socket = std::is_base_of_v<net::stream_socket, Stream>;

    void arm(std::chrono::milliseconds t) noexcept {
        arm_at(now_ns() + std::chrono::duration_cast<std::chrono::nanoseconds>(t).count());
    }
    void arm_at(std::int64_t when) noexcept { rec_.deadline.store(when & ~std::int64_t{1}, std::memory_order_relaxed); }
    // A wait for the next request, which stop() may end: an odd deadline, published with a
    // full barrier before the caller reads `stopping` (see server_state.hpp).
    void arm_idle(std::int64_t when) noexcept { rec_.deadline.exchange(when | 1, std::memory_order_seq_cst); }
    // Clears the deadline; throws cancelled_error if it fired (the cancellation is pending:
    // the connection must end; the word stays `fired`, so serve_connection ends it quietly).
    void disarm() {
        if (rec_.deadline.exchange(0, std::memory_order_acq_rel) == conn_record::fired) {
            rec_.deadline.store(conn_record::fired, std::memory_order_relaxed);
            throw cancelled_error();
        }
    }

    parse_event parse() noexcept {
        const char* p = buf_.get() + pos_;
        parse_event ev = parser_.parse(buf_.get() + begin_, p, buf_.get() + end_);
        pos_ = static_cast<std::uint32_t>(p - buf_.get());
        return ev;
    }
    void grow(std::uint32_t to) {
        std::unique_ptr<char[]> b(new char[to]);
        std::memcpy(b.get(), buf_.get() + begin_, end_ - begin_);
        pos_ -= begin_;
        end_ -= begin_;
        begin_ = 0;
        buf_ = std::move(b);
        cap_ = to;
    }
    std::uint32_t max_head_buffer() const noexcept { return st_.options.limits.max_header_bytes + 1024; }

    task<void> write_bytes(std::span<const std::byte> b);
    task<void> flush();
    task<bool> handle();
    bool send_inline(response& r);
    task<void> send(response& r);
    task<void> send_file(response& r, const response::file_body& fb);
    task<void> send_stream(response& r, response::stream_body& sb);
    task<bool> drain();
    task<void> answer_error(unsigned status, std::string_view detail);
    task<void> answer_cancelled();
    task<void> linger_close();

    Stream& s_;
    server_state& st_;
    conn_record& rec_;
    http1_parser parser_;
    std::unique_ptr<char[]> buf_;
    std::uint32_t cap_ = 0;
    std::uint32_t begin_ = 0;  // the current message's first byte
    std::uint32_t pos_ = 0;    // what the parser consumed
    std::uint32_t end_ = 0;    // what was read
    std::string out_;
    request req_;
    std::int64_t head_start_ = 0;  // when the current head began (0: not yet known)
    std::uint64_t body_bytes_ = 0;
    std::uint64_t streamed_ = 0;
    std::uint64_t requests_ = 0;
    bool first_ = true;
    bool keep_ = false;
    bool http10_ = false;
    bool is_head_ = false;
    bool body_done_ = true;
    bool body_failed_ = false;
    bool expect_continue_ = false;
    bool sent_continue_ = false;
    bool chunked_out_ = false;
    bool writing_ = false;  // a write_bytes() is under way (a cancellation there cuts it)
};

template <class Stream>
task<void> server_connection<Stream>::write_bytes(std::span<const std::byte> b) {
    arm(st_.options.limits.write_timeout);
    writing_ = true;
    if constexpr (has_write_some) {
        while (!b.empty()) b = b.subspan(co_await s_.write_some(b));
    } else {
        co_await s_.write_all(b);
    }
    writing_ = false;
    disarm();
}

template <class Stream>
task<void> server_connection<Stream>::flush() {
    if (out_.empty()) co_return;
    co_await write_bytes(std::as_bytes(std::span(out_.data(), out_.size())));
    out_.clear();
}

// The loop, with the hot path written out: no coroutine call per request besides handle()
// and the handler's own (frames are cheap, not free: W8 counts them).
template <class Stream>
task<void> server_connection<Stream>::run() {
    buf_.reset(new char[initial_buffer]);
    cap_ = initial_buffer;
    const auto& lim = st_.options.limits;
    while (true) {
        parse_event ev = parse();
        while (ev == parse_event::need_more) {
            // Answers to pipelined requests go out before we wait.
            if (!out_.empty()) {
                arm(lim.write_timeout);
                std::span<const std::byte> rest = std::as_bytes(std::span(out_.data(), out_.size()));
                if constexpr (has_write_some) {
                    while (!rest.empty()) rest = rest.subspan(co_await s_.write_some(rest));
                } else {
                    co_await s_.write_all(rest);
                }
                disarm();
                out_.clear();
            }
            if (end_ == cap_) {
                if (begin_ > 0) {  // the head so far goes to the front
                    std::memmove(buf_.get(), buf_.get() + begin_, end_ - begin_);
                    pos_ -= begin_;
                    end_ -= begin_;
                    begin_ = 0;
                } else if (cap_ < max_head_buffer()) {
                    grow(std::min(cap_ * 2, max_head_buffer()));
                }
            }
            // Waiting for a request (idle: stop() may end the wait) or for the rest of one.
            const bool idle = !parser_.message_started();
            if (idle && !first_) {
                arm_idle(now_ns() + std::chrono::nanoseconds(lim.idle_timeout).count());
                if (st_.stopping()) co_return;
            } else {
                if (head_start_ == 0) head_start_ = now_ns();
                const std::int64_t when = head_start_ + std::chrono::nanoseconds(lim.header_timeout).count();
                if (idle) {
                    arm_idle(when);
                    if (st_.stopping()) co_return;
                } else {
                    arm_at(when);
                }
            }
            // A timeout or the stop cancels the read (the deadline word is then `fired`):
            // serve_connection ends the connection quietly.
            const std::size_t n =
                co_await s_.read_some(std::as_writable_bytes(std::span(buf_.get() + end_, cap_ - end_)));
            if (rec_.deadline.exchange(0, std::memory_order_acq_rel) == conn_record::fired || n == 0) co_return;
            if (idle && !first_) head_start_ = 0;  // the head's time runs from its first byte
            end_ += static_cast<std::uint32_t>(n);
            ev = parse();
        }
        if (ev != parse_event::headers) {
            co_await answer_error(parser_.error_status(), parser_.error_message());
            co_return;
        }
        if (!co_await handle()) co_return;
    }
}

template <class Stream>
task<bool> server_connection<Stream>::handle() {
    ++requests_;
    first_ = false;
    head_start_ = 0;
    const std::uint32_t head_end = begin_ + parser_.header_bytes();
    const bool has_body = parser_.chunked() || parser_.content_length().value_or(0) > 0;
    if (has_body && cap_ - head_end < min_body_room) grow(head_end - begin_ + min_body_room + initial_buffer);
    request_access::bind(req_, buf_.get() + begin_, parser_, this);
    keep_ = parser_.keep_alive();
    http10_ = parser_.version_minor() == 0;
    is_head_ = req_.method() == "HEAD";
    body_done_ = !has_body;
    body_failed_ = false;
    body_bytes_ = 0;
    expect_continue_ = parser_.expect_continue() && has_body;
    sent_continue_ = false;
    const bool too_large = parser_.content_length().value_or(0) > st_.options.limits.max_body_bytes;
    const bool connect = parser_.is_connect();
    if (!has_body) parse();  // the message's end (http-parser reports it after the head)
    if (too_large) {
        co_await answer_error(
            413, "the body is larger than " + std::to_string(st_.options.limits.max_body_bytes) + " bytes");
        co_return false;
    }
    if (connect) {
        co_await answer_error(501, "CONNECT is not supported");
        co_return false;
    }

    response resp;
    unsigned failed = 0;
    bool cancelled = false;
    std::string detail;
    try {
        resp = co_await st_.handler(req_);
    } catch (const status_error& e) {
        failed = e.status();
        detail = e.what();
    } catch (const cancelled_error&) {
        cancelled = true;  // answered below (a co_await cannot sit in a handler)
    } catch (const std::exception& e) {
        log_handler_failure(req_.method(), req_.target(), e.what());
        failed = 500;
    } catch (...) {
        log_handler_failure(req_.method(), req_.target(), "an exception not derived from std::exception");
        failed = 500;
    }
    if (cancelled) {
        co_await answer_cancelled();
        throw cancelled_error();
    }
    if (failed != 0) resp = error_response(failed < 400 || failed > 599 ? 500 : failed, detail);
    if (!body_done_) {
        // The body the handler left: read and dropped if it is small, else the connection
        // closes. A client that waits for 100 Continue never got it: it sends nothing.
        if (body_failed_ || (expect_continue_ && !sent_continue_))
            keep_ = false;
        else if (keep_)
            keep_ = co_await drain();
    }
    if (st_.stopping()) keep_ = false;
    if (!send_inline(resp)) co_await send(resp);
    if (!keep_ || out_.size() >= flush_at) co_await flush();
    if (!keep_) {
        // A body left unread (a client that sent it without waiting for 100 Continue, or
        // too large to drain) would make the close a reset, which can destroy the answer.
        if (!body_done_) co_await linger_close();
        co_return false;
    }
    begin_ = pos_;
    if (begin_ == end_) begin_ = pos_ = end_ = 0;
    request_access::clear_params(req_);
    co_return true;
}

template <class Stream>
task<std::span<const std::byte>> server_connection<Stream>::next_body_piece() {
    if (body_done_) co_return std::span<const std::byte>{};
    if (body_failed_) throw status_error(400, "the request body could not be read");
    if (expect_continue_ && !sent_continue_) {
        out_ += "HTTP/1.1 100 Continue\r\n\r\n";
        sent_continue_ = true;
    }
    while (true) {
        const parse_event ev = parse();
        if (ev == parse_event::body) {
            auto piece = parser_.body_piece();
            body_bytes_ += piece.size();
            if (body_bytes_ > st_.options.limits.max_body_bytes) {
                body_failed_ = true;
                throw status_error(
                    413, "the body is larger than " + std::to_string(st_.options.limits.max_body_bytes) + " bytes");
            }
            co_return piece;
        }
        if (ev == parse_event::done) {
            body_done_ = true;
            co_return std::span<const std::byte>{};
        }
        if (ev == parse_event::error) {
            body_failed_ = true;
            throw status_error(parser_.error_status(), parser_.error_message());
        }
        co_await flush();
        if (end_ == cap_) {  // drop the body bytes read so far (keeping what the parser needs)
            const std::uint32_t head_end = begin_ + parser_.header_bytes();
            const auto keep = static_cast<std::uint32_t>(begin_ + parser_.keep_from(pos_ - begin_));
            if (keep > head_end) {
                std::memmove(buf_.get() + head_end, buf_.get() + keep, end_ - keep);
                parser_.body_bytes_dropped(keep - head_end);
                pos_ -= keep - head_end;
                end_ -= keep - head_end;
            }
            if (end_ == cap_) {
                body_failed_ = true;
                throw status_error(400, "a chunk-size line does not fit the buffer");
            }
        }
        arm(st_.options.limits.body_timeout);
        std::size_t n = co_await s_.read_some(std::as_writable_bytes(std::span(buf_.get() + end_, cap_ - end_)));
        disarm();
        if (n == 0) {
            body_failed_ = true;
            throw status_error(400, "the client closed the connection in the middle of the body");
        }
        end_ += static_cast<std::uint32_t>(n);
    }
}

template <class Stream>
task<bool> server_connection<Stream>::drain() {
    std::uint64_t dropped = 0;
    try {
        while (true) {
            auto piece = co_await next_body_piece();
            if (piece.empty()) co_return true;
            dropped += piece.size();
            if (dropped > st_.options.limits.max_drain_bytes) co_return false;
        }
    } catch (const status_error&) {
    }
    co_return false;
}

// An error that ends the connection: the response, then a lingering close.
template <class Stream>
task<void> server_connection<Stream>::answer_error(unsigned status, std::string_view detail) {
    keep_ = false;
    response r = error_response(status, detail);
    co_await send(r);
    co_await flush();
    co_await linger_close();
}

// See the file's header: the answers owed, then 503 (or 408), within final_write_limit.
// The deadline word is left as it was found (`fired` after a timeout: serve_connection ends
// quietly; else 0: it passes the cancellation on).
template <class Stream>
task<void> server_connection<Stream>::answer_cancelled() {
    const bool timed_out = rec_.deadline.load(std::memory_order_acquire) == conn_record::fired;
    if (writing_) co_return;  // a write was cut: the stream's position is unknown
    keep_ = false;
    response r = timed_out ? error_response(408, "the request body did not arrive in time")
                           : error_response(503, "the request was cancelled");
    send_inline(r);  // small: appended to out_, after the answers owed
    try {
        arm(std::min(st_.options.limits.write_timeout, final_write_limit));
        std::span<const std::byte> rest = std::as_bytes(std::span(out_.data(), out_.size()));
        if constexpr (has_write_some) {
            while (!rest.empty()) rest = rest.subspan(co_await s_.write_some(rest));
        } else {
            co_await s_.write_all(rest);
        }
        out_.clear();
        // The end of the stream, and what the client still sends read and dropped, so that
        // closing does not reset the connection before the client has read the answers.
        if constexpr (requires { s_.shutdown(net::shutdown_how::send); })
            s_.shutdown(net::shutdown_how::send);
        else
            co_await s_.shutdown();  // TLS: close_notify, then the half-close
        while (co_await s_.read_some(std::as_writable_bytes(std::span(buf_.get(), cap_))) > 0) {
        }
    } catch (const cancelled_error&) {  // the limit passed (or another cancellation): close now
    } catch (const weft::error&) {      // the client is gone
    }
    rec_.deadline.store(timed_out ? conn_record::fired : 0, std::memory_order_release);
}

// Closing with unread bytes in the socket makes the kernel send a reset, which can destroy
// the response before the client reads it. So: half-close, then read and drop what the
// client still sends, for 2 s at most (nginx's lingering close).
template <class Stream>
task<void> server_connection<Stream>::linger_close() {
    // The 2 s run out: the read is cancelled and the word stays `fired` (a quiet end).
    try {
        arm(std::chrono::milliseconds(2000));
        if constexpr (requires { s_.shutdown(net::shutdown_how::send); })
            s_.shutdown(net::shutdown_how::send);
        else
            co_await s_.shutdown();  // TLS: close_notify, then the half-close
        while (co_await s_.read_some(std::as_writable_bytes(std::span(buf_.get(), cap_))) > 0) {
        }
    } catch (const weft::error&) {  // reset by the peer: nothing left to read
    }
    rec_.deadline.exchange(0, std::memory_order_acq_rel);
}

}  // namespace weft::http::detail

// The response writers (send, send_file, send_stream, write) are in their own file.
#include <weft/http/detail/server_connection_send.hpp>
