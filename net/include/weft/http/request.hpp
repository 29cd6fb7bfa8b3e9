// weft/http/request.hpp — request: what a server handler receives (aiohttp's web.Request).
//
//   weft::task<weft::http::response> echo(weft::http::request& req) {
//       if (req.method() != "POST") co_return weft::http::response(405);
//       std::string body = co_await req.text();      // the whole body, up to the limit
//       co_return weft::http::response::text(std::string(req.path()) + ": " + body);
//   }
//
// Everything a request returns views the connection's buffer: the strings are valid until
// the handler's task returns (copy what must live longer). The body is not read before the
// handler asks for it: text()/bytes() gather it (server_limits::max_body_bytes, else
// status_error 413), read_some()/read_chunk() stream it piece by piece in constant memory.
// A client that sent `Expect: 100-continue` gets its `100 Continue` on the first body read;
// a handler that answers without reading the body spares the client from sending it.
//
// Cancellation: the body reads are cancellation points. They throw status_error (400 for a
// malformed body or one cut short, 413 past the limit), which the server turns into that
// response if the handler lets it through.
// Thread safety: a request belongs to the task running the handler.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <weft/http/headers.hpp>
#include <weft/task.hpp>

namespace weft::http {

namespace detail {
// The connection behind a request's body (server_connection.hpp).
class body_source {
public:
    // The next piece of the body, as it arrived (empty at its end); valid until the next call.
    virtual task<std::span<const std::byte>> next_body_piece() = 0;

protected:
    ~body_source() = default;
};
struct request_access;
}  // namespace detail

// A path parameter filled by the router: "{id}" in "/users/{id}".
struct path_param {
    // The parameter's name, without braces ("id").
    std::string_view name;
    // Its value in the request's path, not percent-decoded.
    std::string_view value;
};

// A request received by a server, as a handler sees it: method, target, fields, path parameters,
// and a body read once (text(), bytes() or streamed). Valid until the handler's task ends.
class request {
public:
    request() = default;
    request(const request&) = delete;
    request& operator=(const request&) = delete;

    // The request's method, as sent.
    std::string_view method() const noexcept { return method_; }  // "GET", "POST", ...
    // The request-target as sent ("/search?q=weft"), its path ("/search") and query ("q=weft",
    // "" if none), not percent-decoded. An absolute-form target ("http://host/p") has path "/p".
    std::string_view target() const noexcept { return target_; }
    // The request-target's path.
    std::string_view path() const noexcept { return path_; }
    // The request-target's query.
    std::string_view query() const noexcept { return query_; }
    // 10 for HTTP/1.0, 11 for HTTP/1.1.
    unsigned version() const noexcept { return version_; }

    // The request's fields, in order, as sent.
    std::span<const header_view> headers() const noexcept { return {headers_.data(), header_count_}; }
    // The first field of that name (case-insensitive).
    std::optional<std::string_view> header(std::string_view name) const noexcept;

    // From the router's pattern; empty if there is no such parameter.
    std::string_view param(std::string_view name) const noexcept;
    // Every path parameter, in the pattern's order.
    std::span<const path_param> params() const noexcept { return {params_.data(), param_count_}; }

    // The body's framing: Content-Length (if sent) and whether it is chunked.
    std::optional<std::uint64_t> content_length() const noexcept { return content_length_; }
    // True if the body is sent chunked (Transfer-Encoding: chunked).
    bool chunked() const noexcept { return chunked_; }
    // True if there is a body to read (chunked, or a Content-Length above 0).
    bool has_body() const noexcept { return chunked_ || content_length_.value_or(0) > 0; }

    // The whole body. Throws status_error (413 past server_limits::max_body_bytes).
    task<std::string> text();
    // The whole body as bytes. Throws status_error (413 past server_limits::max_body_bytes).
    task<std::vector<std::byte>> bytes();
    // Up to buf.size() bytes of the body; 0 at its end.
    task<std::size_t> read_some(std::span<std::byte> buf);
    // The next piece of the body as it arrived, without a copy; empty at its end. Valid
    // until the next read.
    task<std::span<const std::byte>> read_chunk();

private:
    friend struct detail::request_access;

    std::string_view method_, target_, path_, query_;
    unsigned version_ = 11;
    std::vector<header_view> headers_;  // reused from request to request on a connection
    std::size_t header_count_ = 0;
    std::vector<path_param> params_;
    std::size_t param_count_ = 0;
    std::optional<std::uint64_t> content_length_;
    bool chunked_ = false;
    detail::body_source* body_ = nullptr;
    std::span<const std::byte> pending_;  // read_some: what is left of the last piece
};

}  // namespace weft::http
