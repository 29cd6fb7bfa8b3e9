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
    virtual task<void> write(std::span<const std::byte> bytes) = 0;
    task<void> write(std::string_view text) {
        return write(std::span<const std::byte>(reinterpret_cast<const std::byte*>(text.data()), text.size()));
    }

protected:
    ~body_writer() = default;
};

using body_producer = std::function<task<void>(body_writer&)>;

class response {
public:
    struct file_body {
        std::string path;
    };
    struct stream_body {
        body_producer producer;
        std::optional<std::uint64_t> length;  // none: chunked (HTTP/1.0: until close)
    };
    using body_type = std::variant<std::string, std::vector<std::byte>, file_body, stream_body>;

    // 200 with an empty body.
    response() noexcept = default;
    explicit response(unsigned status) noexcept : status_(status) {}
    response(unsigned status, std::string body, std::string content_type = "text/plain; charset=utf-8")
        : status_(status), content_type_(std::move(content_type)), body_(std::move(body)) {}

    static response text(std::string body, unsigned status = 200) { return {status, std::move(body)}; }
    static response html(std::string body, unsigned status = 200) {
        return {status, std::move(body), "text/html; charset=utf-8"};
    }
    static response json(std::string body, unsigned status = 200) {
        return {status, std::move(body), "application/json"};
    }
    static response bytes(std::vector<std::byte> body, std::string content_type = "application/octet-stream",
                          unsigned status = 200);
    // The file is opened when the response is sent: a missing file is a 404, an unreadable
    // one a 403 (aiohttp's FileResponse does the same).
    static response file(std::string path, std::string content_type = "application/octet-stream");
    static response stream(body_producer producer, std::string content_type = "application/octet-stream",
                           std::optional<std::uint64_t> length = std::nullopt);
    // 301, 302, 303, 307 or 308 with a Location field.
    static response redirect(std::string_view location, unsigned status = 302);

    unsigned status() const noexcept { return status_; }
    response& set_status(unsigned s) noexcept {
        status_ = s;
        return *this;
    }
    const std::string& content_type() const noexcept { return content_type_; }
    response& set_content_type(std::string ct) {
        content_type_ = std::move(ct);
        return *this;
    }
    http::headers& headers() noexcept { return headers_; }
    const http::headers& headers() const noexcept { return headers_; }
    // Adds a field (header_error if it is not valid).
    response& set_header(std::string_view name, std::string_view value) {
        headers_.set(name, value);
        return *this;
    }
    const body_type& body() const noexcept { return body_; }
    body_type& body() noexcept { return body_; }

private:
    unsigned status_ = 200;
    std::string content_type_;
    http::headers headers_;
    body_type body_;
};

}  // namespace weft::http
