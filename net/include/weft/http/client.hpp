// weft/http/client.hpp — client: HTTP/1.1 requests with a connection pool per host
// (aiohttp's ClientSession).
//
//   weft::http::client http;                                  // one per program, shared
//   weft::http::client_response r = co_await http.get("http://127.0.0.1:8080/");
//   if (r.status() == 200) std::string page = co_await r.text();
//
//   weft::http::request_options post;
//   post.headers.add("Content-Type", "application/json");
//   post.body = R"({"a": 1})";
//   auto r2 = co_await http.request("POST", url, post);
//
// Pool: connections are kept per scheme+host+port after a response whose body was read to
// its end (keep-alive), reused most-recent first, closed after client_options::idle_timeout
// unused (when that host is next used, or by close_idle()), and at most
// max_connections_per_host are open to one host (more requests wait for one). A request
// that finds its pooled connection closed by the server before any byte of the response is
// sent again once on a new connection, unless its body was a stream.
// Redirects (301, 302, 303, 307, 308) are followed up to max_redirects; 303, and 301/302
// after a POST, continue as GET without a body. Decompression is not done.
// HTTPS: `https://` URLs go over TLS (weft/net/tls_stream.hpp) with the context of
// client_options::tls — by default tls_context::client(): the system trust store,
// verification on, ALPN http/1.1 — plus client_options::ca_file, a private CA trusted
// besides. The URL's host is sent as SNI and checked against the certificate (an IP
// literal against its IP entries). The pool keys connections by scheme+host+port, so
// http:// and https:// to one host never share one. A failed handshake is a client_error
// of kind tls carrying OpenSSL's reason:
//   "GET https://127.0.0.1:8443/: TLS handshake with 127.0.0.1: certificate verify failed:
//    self-signed certificate (certificate CN=example.test)"
// Other schemes are refused with client_error::unsupported_scheme.
//
// Errors are client_error naming the method, the URL and what failed:
//   "GET http://127.0.0.1:9/: connect: Connection refused"
//   "GET http://10.255.255.1/: connect: timed out after 2000 ms"
//   "GET http://127.0.0.1:8080/: malformed response: invalid HTTP version"
// Timeouts (client_options): connect_timeout for each new connection (TCP connect and TLS
// handshake together), request_timeout for
// each exchange up to the response's head (each redirect hop), total_timeout for the whole
// request, the body's reads included (aiohttp's `total`), read_timeout for each wait for
// response bytes. A timeout cancels the work in
// flight cleanly: its connection is closed, nothing is left running.
//
// Cancellation: every co_await here is a cancellation point; a cancelled request closes the
// connection it was using. Thread safety: a client may be used by many tasks on many
// workers at once; a client_response belongs to one task. Responses may outlive the client.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <weft/http/errors.hpp>
#include <weft/http/headers.hpp>
#include <weft/http/response.hpp>
#include <weft/http/url.hpp>
#include <weft/net/tls_context.hpp>
#include <weft/task.hpp>

namespace weft::http {

namespace detail {
class client_pool;
class client_exchange;
}  // namespace detail

// (The option structs declare a constructor, so they are not aggregates: gcc 12 corrupts
// an aggregate temporary holding a std::string inside a co_await expression, as in
// `co_await http.request("GET", url, {})`.)
// What a client is built with (client's constructor): timeouts, pool and size limits, TLS.
struct client_options {
    client_options() = default;
    // Limit on opening each new connection, TCP connect and TLS handshake together (client_error::timeout).
    std::chrono::milliseconds connect_timeout{10'000};
    std::optional<std::chrono::milliseconds> request_timeout;  // none: no limit
    std::optional<std::chrono::milliseconds> total_timeout;    // none: no limit
    // Limit on each read of the response (client_error::timeout past it).
    std::chrono::milliseconds read_timeout{30'000};
    // Connections kept open to one host (host and port) at most; requests beyond wait for one.
    std::size_t max_connections_per_host = 100;
    std::chrono::milliseconds idle_timeout{15'000};  // aiohttp's keepalive_timeout
    // Redirects followed per request at most (client_error::too_many_redirects past it).
    unsigned max_redirects = 10;
    std::uint64_t max_body_bytes = 64ull << 20;  // text() and body(); streamed reads have no limit
    // Size limit of the response's status line and fields (client_error::malformed_response past it).
    std::uint32_t max_header_bytes = 64 * 1024;
    // Request bodies (request_options::body) larger than this many bytes are sent with
    // `Expect: 100-continue`: the head goes first and the body only once the server answers
    // 100 Continue, or expect_timeout has passed without an answer (a server that ignores
    // Expect). A final status first (413, 401...) means the body is never sent, and that
    // connection is closed after the response; 417 Expectation Failed makes the client send
    // the request again without Expect. 0: never. Streamed bodies are sent without it.
    // curl's defaults (1 MiB, 1 s).
    std::uint64_t expect_continue_threshold = 1024 * 1024;
    // How long to wait for 100 Continue before sending the body anyway.
    std::chrono::milliseconds expect_timeout{1000};
    // The User-Agent field sent with each request that sets none (empty: none sent).
    std::string user_agent = "weft";
    // HTTPS: the TLS context of https:// connections (a client context; a shared handle).
    // None: the client makes tls_context::client() with ALPN http/1.1 on its first https://
    // request (or when it is built, if ca_file is set).
    std::optional<net::tls_context> tls;
    // A CA certificate file (PEM) trusted besides the context's (a private CA); loaded into
    // the context when the client is built: tls_context_error naming the file if it cannot.
    std::string ca_file;
};

// The parts of one request besides its method and URL (client::request).
struct request_options {
    request_options() = default;
    // Fields sent besides the client's own (Host, User-Agent unless given here, Content-Length...).
    http::headers headers;
    std::string body;      // sent with Content-Length
    body_producer stream;  // or a streamed body, sent chunked (then body is ignored)
    // Follow 3xx redirects (up to client_options::max_redirects); false: return the 3xx.
    bool follow_redirects = true;
};

// A response being received: its status and fields, then its body, read once (text(), body() or streamed).
// Move-only; destroying it unread closes the connection.
class client_response {
public:
    client_response() noexcept;
    // Takes o's exchange; o is left empty.
    client_response(client_response&&) noexcept;
    // Takes o's exchange (this one's is dropped, its connection closed); o is left empty.
    client_response& operator=(client_response&&) noexcept;
    ~client_response();

    // The status code (200, 404...).
    unsigned status() const noexcept;
    // The reason phrase ("OK"), as sent.
    const std::string& reason() const noexcept;
    // The response's fields.
    const http::headers& headers() const noexcept;
    // The first value of that field (case-insensitive), or none.
    std::optional<std::string_view> header(std::string_view name) const noexcept { return headers().get(name); }
    // The Content-Length field's value; none if it was not sent (chunked, or until close).
    std::optional<std::uint64_t> content_length() const noexcept;
    // The URL that answered (after redirects) and the method it was asked with.
    const std::string& url() const noexcept;
    // The method the URL that answered was asked with (a 303, or a 301/302 after POST, makes it GET).
    const std::string& method() const noexcept;

    // The (rest of the) body. Throws client_error (body_too_large past max_body_bytes).
    task<std::string> text();
    // The (rest of the) body as bytes. Throws client_error (body_too_large past max_body_bytes).
    task<std::vector<std::byte>> body();
    // Streamed: up to buf.size() bytes, 0 at the end; or the next piece as it arrived
    // (valid until the next read), empty at the end.
    task<std::size_t> read_some(std::span<std::byte> buf);
    // The next piece of the body as it arrived, valid until the next read; empty at the end.
    task<std::span<const std::byte>> read_chunk();
    // Reads and drops the rest of the body (so the connection can be reused).
    task<void> discard();
    // Drops the connection now (the rest of the body is not read).
    void close() noexcept;

private:
    friend class client;
    explicit client_response(std::unique_ptr<detail::client_exchange> x) noexcept;
    std::unique_ptr<detail::client_exchange> x_;
};

// An HTTP/1.1 client with a pool of keep-alive connections per host; one is meant to be shared.
// Not copyable.
class client {
public:
    // A client with those options. Throws tls_context_error if opts.ca_file cannot be loaded.
    explicit client(client_options opts = {});
    ~client();
    client(const client&) = delete;
    client& operator=(const client&) = delete;

    // GET url with those extra fields; the response once its status and fields have arrived.
    // Throws client_error (a 4xx or 5xx status is a response, not an error).
    task<client_response> get(std::string url, http::headers headers = {});
    // method url with opts; the response once its status and fields have arrived. Throws client_error.
    task<client_response> request(std::string method, std::string url, request_options opts = {}) {
        return start(std::move(method), std::move(url), std::move(opts));
    }
    // request(method, url, headers, body): a body sent with Content-Length.
    task<client_response> request(std::string method, std::string url, http::headers headers, std::string body) {
        request_options o;
        o.headers = std::move(headers);
        o.body = std::move(body);
        return start(std::move(method), std::move(url), std::move(o));
    }

    // The options the client was built with.
    const client_options& options() const noexcept { return opts_; }
    // Connections opened so far, and those idle in the pool now.
    std::uint64_t connections_opened() const noexcept;
    // Connections idle in the pool now.
    std::size_t idle_connections() const noexcept;
    // Closes the idle connections.
    void close_idle() noexcept;

private:
    // (Coroutines take no default arguments: gcc 12 frees a defaulted class-type parameter
    // of a coroutine twice. The public calls forward to these.)
    task<client_response> start(std::string method, std::string url, request_options opts);
    task<client_response> run(std::string method, std::string url, request_options opts);
    task<client_response> exchange(const std::string& method, const http::url& u, const request_options& opts);
    // The context of https:// connections: opts_.tls, else the pool's default (made once).
    net::tls_context tls_for_https();

    client_options opts_;
    std::shared_ptr<detail::client_pool> pool_;
};

}  // namespace weft::http
