// client_exchange.cpp — see client_exchange.hpp.
#include "client_exchange.hpp"

#include <cstring>

#include <weft/error.hpp>
#include <weft/http/detail/message_writer.hpp>
#include <weft/net/tls_error.hpp>
#include <weft/timeout.hpp>

namespace weft::http::detail {
namespace {

std::string ms_text(std::chrono::milliseconds t) { return std::to_string(t.count()) + " ms"; }

}  // namespace

// A streamed request body, sent chunked.
class chunk_sender final : public body_writer {
public:
    explicit chunk_sender(client_exchange& x) noexcept : x_(x) {}
    using body_writer::write;
    task<void> write(std::span<const std::byte> bytes) override {
        if (bytes.empty()) co_return;
        char line[24];
        const std::size_t len = chunk_line(line, bytes.size());
        if (bytes.size() <= 16 * 1024) {
            std::string all(line, len);
            all.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
            all += "\r\n";
            co_await x_.write(std::as_bytes(std::span(all.data(), all.size())));
        } else {
            co_await x_.write(std::as_bytes(std::span(line, len)));
            co_await x_.write(bytes);
            co_await x_.write(weft::as_bytes("\r\n"));
        }
    }

private:
    client_exchange& x_;
};

client_exchange::client_exchange(std::shared_ptr<client_pool> pool, std::string key, std::unique_ptr<client_conn> conn,
                                 std::string m, std::string u, const client_options& opts)
    : method(std::move(m)),
      url(std::move(u)),
      max_body_bytes(opts.max_body_bytes),
      pool_(std::move(pool)),
      key_(std::move(key)),
      conn_(std::move(conn)),
      read_timeout_(opts.read_timeout),
      reused_(conn_->reused) {
    if (!conn_->buf) {
        conn_->cap = 16 * 1024;
        conn_->buf.reset(new char[conn_->cap]);
    }
}

client_exchange::~client_exchange() { close(); }

void client_exchange::close() noexcept {
    if (conn_) pool_->release(key_, std::move(conn_), false);
}

void client_exchange::fail(client_error::kind_t k, const std::string& what) {
    failed_ = true;
    throw client_error(k, method, url, what);
}

task<void> client_exchange::write(std::span<const std::byte> bytes) {
    std::optional<std::monostate> ok;
    try {
        ok = co_await weft::try_timeout(read_timeout_, conn_->stream.write_all(bytes));
    } catch (const system_error& e) {
        fail(client_error::send, "send: " + e.code().message());
    } catch (const net::tls_error& e) {
        fail(client_error::send, std::string("send: ") + e.what());
    }
    if (!ok) fail(client_error::timeout, "send: timed out after " + ms_text(read_timeout_));
}

namespace {
// One read into the connection's buffer, counted there before it returns: a read that
// completes as its timeout fires loses nothing (the timeout drops the value, not the bytes).
task<std::size_t> read_into(client_conn* c) {
    const std::size_t n =
        co_await c->stream.read_some(std::as_writable_bytes(std::span(c->buf.get() + c->end, c->cap - c->end)));
    c->end += static_cast<std::uint32_t>(n);
    co_return n;
}
}  // namespace

task<std::size_t> client_exchange::read_more() {
    std::optional<std::size_t> n = co_await read_more_for(std::nullopt);
    co_return *n;
}

task<std::optional<std::size_t>> client_exchange::read_more_for(std::optional<std::chrono::milliseconds> soft) {
    client_conn& c = *conn_;
    std::chrono::milliseconds wait = read_timeout_;
    bool total_first = false;  // the request's total time runs out before read_timeout
    if (deadline_) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(*deadline_ - std::chrono::steady_clock::now());
        if (left.count() <= 0) fail(client_error::timeout, "timed out after " + ms_text(total_));
        if (left < wait) {
            wait = left;
            total_first = true;
        }
    }
    bool soft_first = false;
    if (soft && *soft < wait) {
        wait = *soft;
        soft_first = true;
    }
    std::optional<std::size_t> n;
    try {
        n = co_await weft::try_timeout(wait, read_into(&c));
    } catch (const system_error& e) {
        fail(client_error::receive, "receive: " + e.code().message());
    } catch (const net::tls_error& e) {  // a bad record, a cut without close_notify
        fail(client_error::receive, std::string("receive: ") + e.what());
    }
    if (!n) {
        if (soft_first) co_return std::nullopt;
        fail(client_error::timeout,
             total_first ? "timed out after " + ms_text(total_) : "receive: timed out after " + ms_text(read_timeout_));
    }
    if (*n > 0) received_ = true;
    co_return n;
}

void client_exchange::make_room() {
    client_conn& c = *conn_;
    if (c.end < c.cap) return;
    if (c.parser.in_body()) {  // drop the body bytes already handed out
        const std::uint32_t head_end = c.begin + c.parser.header_bytes();
        const auto keep = static_cast<std::uint32_t>(c.begin + c.parser.keep_from(c.pos - c.begin));
        if (keep > head_end) {
            std::memmove(c.buf.get() + head_end, c.buf.get() + keep, c.end - keep);
            c.parser.body_bytes_dropped(keep - head_end);
            c.pos -= keep - head_end;
            c.end -= keep - head_end;
        }
    } else if (c.begin > 0) {
        std::memmove(c.buf.get(), c.buf.get() + c.begin, c.end - c.begin);
        c.pos -= c.begin;
        c.end -= c.begin;
        c.begin = 0;
    }
    if (c.end == c.cap) {
        const std::uint32_t cap = c.cap * 2;
        std::unique_ptr<char[]> b(new char[cap]);
        std::memcpy(b.get(), c.buf.get(), c.end);
        c.buf = std::move(b);
        c.cap = cap;
    }
}

task<void> client_exchange::send(const std::string& head, const request_options& req,
                                 std::optional<std::chrono::milliseconds> expect_wait) {
    if (expect_wait) {
        co_await write(weft::as_bytes(head));
        const auto until = std::chrono::steady_clock::now() + *expect_wait;
        if (co_await read_head_until(until)) {
            // A final status before the body (413, 401, 417...): the body is not sent, and
            // the connection, where the server may still wait for it, is not reused.
            body_withheld_ = true;
            keep_alive_ = false;
            co_return;
        }
        co_await send_body(req);  // after 100 Continue, or a server that ignores Expect
        co_return;
    }
    if (req.stream) {
        co_await write(weft::as_bytes(head));
        co_await send_body(req);
    } else if (req.body.size() <= 64 * 1024) {
        std::string all;
        all.reserve(head.size() + req.body.size());
        all += head;
        all += req.body;
        co_await write(weft::as_bytes(all));
    } else {
        co_await write(weft::as_bytes(head));
        co_await write(weft::as_bytes(req.body));
    }
}

task<void> client_exchange::send_body(const request_options& req) {
    if (req.stream) {
        chunk_sender sender(*this);
        std::string failure;
        try {
            co_await req.stream(sender);
        } catch (const client_error&) {
            throw;
        } catch (const cancelled_error&) {
            throw;
        } catch (const std::exception& e) {
            failure = e.what();
        }
        if (!failure.empty()) fail(client_error::send, "the request body's stream failed: " + failure);
        co_await write(weft::as_bytes("0\r\n\r\n"));
    } else {
        co_await write(weft::as_bytes(req.body));
    }
}

task<void> client_exchange::read_head() {
    if (head_done_) co_return;
    co_await read_head_until(std::nullopt);
}

task<bool> client_exchange::read_head_until(std::optional<std::chrono::steady_clock::time_point> continue_by) {
    client_conn& c = *conn_;
    c.parser.set_no_body(method == "HEAD");
    unsigned interim = 0;
    while (true) {
        const char* p = c.buf.get() + c.pos;
        const parse_event ev = c.parser.parse(c.buf.get() + c.begin, p, c.buf.get() + c.end);
        c.pos = static_cast<std::uint32_t>(p - c.buf.get());
        if (ev == parse_event::headers) {
            status = c.parser.status();
            if (status == 101)
                fail(client_error::malformed_response, "malformed response: unexpected 101 Switching Protocols");
            if (status < 200) {  // 100 Continue and friends: their end follows, then the real response
                interim = status;
                continue;
            }
            const char* base = c.buf.get() + c.begin;
            reason.assign(base + c.parser.reason().off, c.parser.reason().len);
            for (const field_span& f : c.parser.fields())
                fields.add_unchecked(std::string_view(base + f.name.off, f.name.len),
                                     std::string_view(base + f.value.off, f.value.len));
            content_length = c.parser.content_length();
            keep_alive_ = c.parser.keep_alive();
            head_done_ = true;
            co_return true;
        }
        if (ev == parse_event::done) {  // the end of an interim (1xx) response
            c.begin = c.pos;
            if (continue_by && interim == 100) co_return false;
            continue;
        }
        if (ev == parse_event::error)
            fail(client_error::malformed_response, "malformed response: " + c.parser.error_message());
        make_room();
        std::optional<std::size_t> n;
        if (continue_by) {
            const auto left =
                std::chrono::ceil<std::chrono::milliseconds>(*continue_by - std::chrono::steady_clock::now());
            if (left.count() <= 0) co_return false;
            n = co_await read_more_for(left);
            if (!n) co_return false;  // no 100 Continue in time: the body goes anyway (as curl)
        } else {
            n = co_await read_more();
        }
        if (*n == 0) {
            if (!received_) fail(client_error::receive, "receive: the server closed the connection without responding");
            fail(client_error::receive, "receive: the server closed the connection in the middle of the response head");
        }
    }
}

task<std::span<const std::byte>> client_exchange::next_piece() {
    if (finished_) co_return std::span<const std::byte>{};
    if (!conn_ || failed_) throw client_error(client_error::receive, method, url, "receive: the response was closed");
    client_conn& c = *conn_;
    bool ok = false;
    try {
        while (true) {
            const char* p = c.buf.get() + c.pos;
            parse_event ev = c.parser.parse(c.buf.get() + c.begin, p, c.buf.get() + c.end);
            c.pos = static_cast<std::uint32_t>(p - c.buf.get());
            if (ev == parse_event::need_more) {
                make_room();
                if (co_await read_more() > 0) continue;
                ev = c.parser.finish();  // the server closed: the end of a body delimited by it?
                if (ev != parse_event::done)
                    fail(client_error::receive, "receive: the server closed the connection before the end of the body");
                keep_alive_ = false;
            }
            if (ev == parse_event::body) {
                auto piece = c.parser.body_piece();
                ok = true;
                co_return piece;
            }
            if (ev == parse_event::done) {
                finished_ = true;
                const bool reusable = keep_alive_ && c.pos == c.end;  // nothing unasked-for follows
                c.begin = c.pos = c.end = 0;
                pool_->release(key_, std::move(conn_), reusable, true);
                ok = true;
                co_return std::span<const std::byte>{};
            }
            if (ev == parse_event::error)
                fail(client_error::malformed_response, "malformed response: " + c.parser.error_message());
        }
    } catch (...) {
        if (!ok) failed_ = true;
        throw;
    }
}

}  // namespace weft::http::detail
