// weft/http/response.hpp — response: what a server handler returns (aiohttp's web.Response,
// web.FileResponse and web.StreamResponse in one type).
//
//   co_return weft::http::response::text("Hello, World!");               // 200 text/plain
//   co_return weft::http::response(404, "no such user\n");
//   co_return weft::http::response::file("/srv/www/index.html", "text/html");
//   co_return weft::http::response::stream([](weft::http::body_writer& w) -> weft::task<void> {
//       for (int i = 0; i < 3; ++i) co_await w.write("tick\n");      // sent chunked
//   });
//
// The server writes Content-Length (or chunked for a stream of unknown length), Date,
// Server and Connection itself; Content-Length, Transfer-Encoding and Connection set in
// headers() are ignored, except `Connection: close`, which closes the connection after the
// response. A body of a string or bytes goes out with the header in one write; a file is
// sent with sendfile(2) from the page cache when it is large and the connection is a plain
// TCP one; a stream's producer runs after the header is sent and each write() is a chunk
// (or raw bytes when a length was given). A HEAD request gets the header only.
//
// Cancellation: a stream producer runs on the connection's task, so it is cancelled with it
// (a server stopping past its grace period); write() throws if the client went away, and a
// producer that lets that through ends the response (the connection closes). The producer
// object lives until its task has ended, so a producer lambda may capture.
// Thread safety: a response is a value; the stream producer runs on the connection's task.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <weft/http/headers.hpp>
#include <weft/task.hpp>

namespace weft::http {

// Where a streamed body goes. write() waits until the connection took the bytes
// (backpressure); it throws if the client went away (the producer should let it through).
class body_writer {
public:
    // Sends those bytes of the body; waits until the connection took them. Throws if the client went away.
    virtual task<void> write(std::span<const std::byte> bytes) = 0;
    // Sends that text (its bytes) as write(span) does.
    task<void> write(std::string_view text) {
        return write(std::span<const std::byte>(reinterpret_cast<const std::byte*>(text.data()), text.size()));
    }

protected:
    ~body_writer() = default;
};

// Writes a streamed body through the writer it is given; its task ends with the body.
using body_producer = std::function<task<void>(body_writer&)>;

// A response: status, Content-Type, fields and a body (text or bytes, a file, or a stream).
// Built by a handler (the static factories or the constructors); the setters chain.
class response {
public:
    // A file sent as the body (response::file).
    struct file_body {
        // The file's path, opened when the response is sent.
        std::string path;
    };
    // A body written by a producer as it is sent (response::stream).
    struct stream_body {
        // Writes the body; called once, when the response is sent.
        body_producer producer;
        std::optional<std::uint64_t> length;  // none: chunked (HTTP/1.0: until close)
    };
    // The body: text, bytes, a file or a stream.
    using body_type = std::variant<std::string, std::vector<std::byte>, file_body, stream_body>;

    // 200 with an empty body.
    response() noexcept = default;
    // That status with an empty body.
    explicit response(unsigned status) noexcept : status_(status) {}
    // That status with that body and Content-Type (text/plain by default).
    response(unsigned status, std::string body, std::string content_type = "text/plain; charset=utf-8")
        : status_(status), content_type_(std::move(content_type)), body_(std::move(body)) {}

    // A text/plain (UTF-8) body, with that status (200 by default).
    static response text(std::string body, unsigned status = 200) { return {status, std::move(body)}; }
    // A text/html (UTF-8) body, with that status (200 by default).
    static response html(std::string body, unsigned status = 200) {
        return {status, std::move(body), "text/html; charset=utf-8"};
    }
    // An application/json body (already serialised), with that status (200 by default).
    static response json(std::string body, unsigned status = 200) {
        return {status, std::move(body), "application/json"};
    }
    // A body of bytes, with that Content-Type and status (200 by default).
    static response bytes(std::vector<std::byte> body, std::string content_type = "application/octet-stream",
                          unsigned status = 200);
    // The file is opened when the response is sent: a missing file is a 404, an unreadable
    // one a 403 (aiohttp's FileResponse does the same).
    static response file(std::string path, std::string content_type = "application/octet-stream");
    // A streamed body written by producer: with a length sent with Content-Length (the producer
    // must write exactly that many bytes), without one chunked (HTTP/1.0: until the connection closes).
    static response stream(body_producer producer, std::string content_type = "application/octet-stream",
                           std::optional<std::uint64_t> length = std::nullopt);
    // 301, 302, 303, 307 or 308 with a Location field.
    static response redirect(std::string_view location, unsigned status = 302);

    // The status code.
    unsigned status() const noexcept { return status_; }
    // Sets the status code; returns *this.
    response& set_status(unsigned s) noexcept {
        status_ = s;
        return *this;
    }
    // The Content-Type field's value ("": none is sent).
    const std::string& content_type() const noexcept { return content_type_; }
    // Sets the Content-Type; returns *this.
    response& set_content_type(std::string ct) {
        content_type_ = std::move(ct);
        return *this;
    }
    // The extra fields (besides Content-Type, Content-Length, Date and Server).
    http::headers& headers() noexcept { return headers_; }
    // The extra fields (besides Content-Type, Content-Length, Date and Server).
    const http::headers& headers() const noexcept { return headers_; }
    // Adds a field (header_error if it is not valid).
    response& set_header(std::string_view name, std::string_view value) {
        headers_.set(name, value);
        return *this;
    }
    // The body.
    const body_type& body() const noexcept { return body_; }
    // The body, to change in place.
    body_type& body() noexcept { return body_; }

private:
    unsigned status_ = 200;
    std::string content_type_;
    http::headers headers_;
    body_type body_;
};

}  // namespace weft::http
