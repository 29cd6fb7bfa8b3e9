// weft/http/server_options.hpp — server_limits and server_options: every limit of the HTTP
// server, its default and the answer when it is passed (RFC 9112 / 9110).
//
//   weft::http::server_options opts;
//   opts.limits.max_body_bytes = 64 << 20;              // uploads up to 64 MiB
//   opts.limits.header_timeout = std::chrono::seconds(5);
//   weft::http::server srv(handler, opts);
//
// | limit                 | default | when passed                                       |
// |-----------------------|---------|--------------------------------------------------|
// | max_target            | 8 KiB   | 414 URI Too Long, connection closed              |
// | max_header_bytes      | 16 KiB  | 431 Request Header Fields Too Large, closed      |
// | max_header_count      | 100     | 431, closed                                      |
// | max_body_bytes        | 1 MiB   | 413 Content Too Large (closed unless drained)    |
// | header_timeout        | 10 s    | connection closed (a request's head, from its    |
// |                       |         | first byte — or from accept — to its end)        |
// | idle_timeout          | 60 s    | keep-alive connection closed between requests    |
// | body_timeout          | 30 s    | a body read waits this long at most; then closed |
// | write_timeout         | 30 s    | a response write waits this long at most; closed |
// | max_drain_bytes       | 256 KiB | an unread body up to this size is read and       |
// |                       |         | dropped to keep the connection; larger: closed   |
// Malformed requests get 400 and the connection is closed; handler exceptions 500 (the
// connection stays open); a status_error its status.
//
// Thread safety: plain values (tls: a shared handle), copied into the server.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include <weft/net/tls_context.hpp>

namespace weft::http {

// Size limits and timeouts of each connection (the table above: what happens past each).
struct server_limits {
    // Longest request-target (414, connection closed).
    std::uint32_t max_target = 8 * 1024;
    // Size limit of the request line and fields together (431, connection closed).
    std::uint32_t max_header_bytes = 16 * 1024;
    // Most fields in a request (431, connection closed).
    std::uint32_t max_header_count = 100;
    // Longest request body a handler may read (413; connection closed unless the rest is drained).
    std::uint64_t max_body_bytes = 1024 * 1024;
    // An unread body up to this size is read and dropped to keep the connection; larger: closed.
    std::uint64_t max_drain_bytes = 256 * 1024;
    // Limit on receiving a request's line and fields, from its first byte (or accept); then closed.
    std::chrono::milliseconds header_timeout{10'000};
    // Limit on waiting for the next request on a kept-alive connection; then closed.
    std::chrono::milliseconds idle_timeout{60'000};
    // Limit on each wait of a body read; then the connection is closed.
    std::chrono::milliseconds body_timeout{30'000};
    // Limit on each wait of a response write; then the connection is closed.
    std::chrono::milliseconds write_timeout{30'000};
};

// Not an aggregate (gcc 12 corrupts aggregate temporaries holding a std::string in a
// co_await expression): fill a named object, as above.
struct server_options {
    server_options() = default;
    // The size limits and timeouts.
    server_limits limits;
    // The Server field's value; empty: no Server field.
    std::string server_name = "weft";
    // Send a Date field (RFC 9110 6.6.1: an origin server with a clock must).
    bool date = true;
    // TCP_NODELAY on accepted connections (responses are written whole, so Nagle only delays).
    bool nodelay = true;
    // On a stop, requests still running after this long are cancelled; none: wait for them.
    std::optional<std::chrono::milliseconds> grace_period = std::chrono::milliseconds(10'000);
    // HTTPS: serve() speaks TLS on every accepted connection with this server context
    // (tls_context::server(cert, key)); the handshake must end within limits.header_timeout,
    // else the connection is closed. A failed handshake closes it without a response.
    std::optional<net::tls_context> tls;
};

}  // namespace weft::http
