// client.cpp — client::request: redirects, timeouts, the pool; client_response's body
// reads (see weft/http/client.hpp).
#include <weft/http/client.hpp>

#include <cstring>
#include <utility>

#include <weft/error.hpp>
#include <weft/net/tcp.hpp>
#include <weft/net/tls_error.hpp>
#include <weft/net/tls_stream.hpp>
#include <weft/timeout.hpp>

#include "client_exchange.hpp"
#include "client_pool.hpp"

namespace weft::http {
namespace {

std::string ms_text(std::chrono::milliseconds t) { return std::to_string(t.count()) + " ms"; }

bool is_redirect(unsigned s) noexcept { return s == 301 || s == 302 || s == 303 || s == 307 || s == 308; }

// The request's head: request line, Host, defaults, the caller's fields, framing.
std::string request_head(const std::string& method, const url& u, const request_options& o, const client_options& c,
                         bool expect) {
    std::string h;
    h.reserve(256);
    h += method;
    h += ' ';
    h += u.target();
    h += " HTTP/1.1\r\n";
    if (!o.headers.contains("host")) h += "Host: " + u.authority() + "\r\n";
    if (!c.user_agent.empty() && !o.headers.contains("user-agent")) h += "User-Agent: " + c.user_agent + "\r\n";
    if (!o.headers.contains("accept")) h += "Accept: */*\r\n";
    for (const auto& f : o.headers) {
        if (iequals(f.name, "content-length") || iequals(f.name, "transfer-encoding") ||
            (expect && iequals(f.name, "expect")))
            continue;
        h += f.name;
        h += ": ";
        h += f.value;
        h += "\r\n";
    }
    if (expect) h += "Expect: 100-continue\r\n";
    if (o.stream) {
        h += "Transfer-Encoding: chunked\r\n";
    } else if (!o.body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
        h += "Content-Length: " + std::to_string(o.body.size()) + "\r\n";
    }
    h += "\r\n";
    return h;
}

// The schemes the client speaks, and the transport of each: http:// is a tcp_stream,
// https:// a tls_stream over one (the pool and the exchange handle both alike). Anything
// else fails before a pool slot is taken, naming the scheme.
void check_scheme(const std::string& method, const url& u) {
    if (u.scheme() == "http" || u.scheme() == "https") return;
    throw client_error(client_error::unsupported_scheme, method, u.str(), "unsupported scheme '" + u.scheme() + "'");
}

// TCP connect, then (https://) the TLS handshake: SNI and the certificate check from the
// URL's host, the session cached per host:port. The caller bounds both with one timeout.
task<detail::any_stream> open_transport(const url& u, std::optional<net::tls_context> ctx) {
    net::tcp_stream s = co_await net::tcp_stream::connect(u.host(), u.port());
    s.set_nodelay(true);
    if (!ctx) co_return detail::any_stream(std::move(s));
    auto tls = net::tls_stream<net::tcp_stream>::client(std::move(s), *ctx, u.host(), u.authority());
    co_await tls.handshake();
    co_return detail::any_stream(std::move(tls));
}

// The client's context when the options give none: the system trust store, ALPN http/1.1.
net::tls_context default_client_tls() {
    net::tls_context c = net::tls_context::client();
    c.set_alpn({"http/1.1"});
    return c;
}

}  // namespace

// ---- client_response

client_response::client_response() noexcept = default;
client_response::client_response(std::unique_ptr<detail::client_exchange> x) noexcept : x_(std::move(x)) {}
client_response::client_response(client_response&&) noexcept = default;
client_response& client_response::operator=(client_response&&) noexcept = default;
client_response::~client_response() = default;

namespace {
const std::string empty_string;
const headers empty_headers;
}  // namespace

unsigned client_response::status() const noexcept { return x_ ? x_->status : 0; }
const std::string& client_response::reason() const noexcept { return x_ ? x_->reason : empty_string; }
const http::headers& client_response::headers() const noexcept { return x_ ? x_->fields : empty_headers; }
std::optional<std::uint64_t> client_response::content_length() const noexcept {
    return x_ ? x_->content_length : std::nullopt;
}
const std::string& client_response::url() const noexcept { return x_ ? x_->url : empty_string; }
const std::string& client_response::method() const noexcept { return x_ ? x_->method : empty_string; }

task<std::span<const std::byte>> client_response::read_chunk() {
    if (!x_) co_return std::span<const std::byte>{};
    if (!x_->pending.empty()) co_return std::exchange(x_->pending, {});  // read_some()'s rest
    co_return co_await x_->next_piece();
}

task<std::size_t> client_response::read_some(std::span<std::byte> buf) {
    if (!x_ || buf.empty()) co_return 0;
    if (x_->pending.empty()) {
        x_->pending = co_await x_->next_piece();
        if (x_->pending.empty()) co_return 0;
    }
    const std::size_t n = std::min(buf.size(), x_->pending.size());
    std::memcpy(buf.data(), x_->pending.data(), n);
    x_->pending = x_->pending.subspan(n);
    co_return n;
}

task<std::string> client_response::text() {
    std::string out;
    if (!x_) co_return out;
    if (x_->content_length && *x_->content_length <= x_->max_body_bytes)
        out.reserve(static_cast<std::size_t>(*x_->content_length));
    auto piece = x_->pending;  // what read_some() left over comes first
    x_->pending = {};
    while (true) {
        if (piece.empty()) piece = co_await x_->next_piece();
        if (piece.empty()) break;
        if (out.size() + piece.size() > x_->max_body_bytes) {
            x_->close();
            throw client_error(client_error::body_too_large, x_->method, x_->url,
                               "the body is larger than " + std::to_string(x_->max_body_bytes) + " bytes");
        }
        out.append(reinterpret_cast<const char*>(piece.data()), piece.size());
        piece = {};
    }
    co_return out;
}

task<std::vector<std::byte>> client_response::body() {
    std::string s = co_await text();
    std::vector<std::byte> out(s.size());
    std::memcpy(out.data(), s.data(), s.size());
    co_return out;
}

task<void> client_response::discard() {
    if (!x_) co_return;
    x_->pending = {};
    std::uint64_t dropped = 0;
    while (true) {
        auto piece = co_await x_->next_piece();
        if (piece.empty()) co_return;
        dropped += piece.size();
        if (dropped > 64 * 1024) {  // not worth reading to keep the connection
            x_->close();
            co_return;
        }
    }
}

void client_response::close() noexcept {
    if (x_) x_->close();
}

// ---- client

client::client(client_options opts)
    : opts_(std::move(opts)),
      pool_(std::make_shared<detail::client_pool>(opts_.max_connections_per_host, opts_.idle_timeout)) {
    if (opts_.max_connections_per_host == 0)
        throw config_error("code", "http::client_options::max_connections_per_host", "0", "must be at least 1");
    for (auto t : {opts_.connect_timeout, opts_.read_timeout, opts_.idle_timeout})
        if (t.count() <= 0)
            throw config_error("code", "http::client_options (a timeout)", std::to_string(t.count()) + " ms",
                               "must be positive");
    if (opts_.expect_continue_threshold != 0 && opts_.expect_timeout.count() <= 0)
        throw config_error("code", "http::client_options::expect_timeout",
                           std::to_string(opts_.expect_timeout.count()) + " ms",
                           "must be positive (or expect_continue_threshold 0: no Expect)");
    // With a CA file the context is made now, so that a bad file is an error here; without
    // one it waits for the first https:// request (client_pool::default_tls).
    if (!opts_.tls && !opts_.ca_file.empty()) opts_.tls = default_client_tls();
    if (!opts_.ca_file.empty()) opts_.tls->load_verify_file(opts_.ca_file);
}

net::tls_context client::tls_for_https() {
    if (opts_.tls) return *opts_.tls;
    std::call_once(pool_->default_tls_once, [this] { pool_->default_tls = default_client_tls(); });
    return *pool_->default_tls;
}

client::~client() { pool_->close_idle(); }

std::uint64_t client::connections_opened() const noexcept { return pool_->opened.load(std::memory_order_relaxed); }
std::size_t client::idle_connections() const noexcept { return pool_->idle_count(); }
void client::close_idle() noexcept { pool_->close_idle(); }

task<client_response> client::get(std::string url, http::headers headers) {
    request_options o;
    o.headers = std::move(headers);
    return request("GET", std::move(url), std::move(o));
}

task<client_response> client::start(std::string method, std::string url, request_options opts) {
    if (!opts_.total_timeout) co_return co_await run(std::move(method), std::move(url), std::move(opts));
    const std::string m = method, shown = url;
    const auto deadline = std::chrono::steady_clock::now() + *opts_.total_timeout;
    bool timed_out = false;
    try {
        client_response r =
            co_await weft::timeout(*opts_.total_timeout, run(std::move(method), std::move(url), std::move(opts)));
        if (r.x_) r.x_->limit_total(deadline, *opts_.total_timeout);  // the body's reads too
        co_return r;
    } catch (const timeout_error&) {
        timed_out = true;
    }
    if (timed_out)
        throw client_error(client_error::timeout, m, shown, "timed out after " + ms_text(*opts_.total_timeout));
    throw error("unreachable");
}

task<client_response> client::run(std::string method, std::string text, request_options opts) {
    url u;
    try {
        u = url::parse(text);
    } catch (const url_error& e) {
        throw client_error(client_error::invalid_url, method, text, e.what());
    }
    for (unsigned hop = 0;; ++hop) {
        client_response r;
        if (opts_.request_timeout) {
            bool timed_out = false;
            try {
                r = co_await weft::timeout(*opts_.request_timeout, exchange(method, u, opts));
            } catch (const timeout_error&) {
                timed_out = true;
            }
            if (timed_out)
                throw client_error(client_error::timeout, method, u.str(),
                                   "timed out after " + ms_text(*opts_.request_timeout));
        } else {
            r = co_await exchange(method, u, opts);
        }
        const auto location = r.header("location");
        if (!opts.follow_redirects || !is_redirect(r.status()) || !location) co_return r;
        if (hop == opts_.max_redirects)
            throw client_error(client_error::too_many_redirects, method, u.str(),
                               "more than " + std::to_string(opts_.max_redirects) + " redirects");
        url next;
        try {
            next = u.resolve(*location);
        } catch (const url_error& e) {
            throw client_error(client_error::malformed_response, method, u.str(),
                               std::string("malformed response: Location: ") + e.what());
        }
        const unsigned st = r.status();
        if (st == 303 || ((st == 301 || st == 302) && method == "POST")) {
            if (method != "HEAD") method = "GET";
            opts.body.clear();
            opts.stream = nullptr;
            opts.headers.erase("content-type");
        } else if (opts.stream) {
            co_return r;  // 307/308 want the body again, and a stream cannot be replayed
        }
        if (next.host() != u.host() || next.port() != u.port() || next.scheme() != u.scheme()) {
            opts.headers.erase("authorization");  // credentials stay with their origin
            opts.headers.erase("cookie");
        }
        co_await r.discard();
        u = std::move(next);
    }
}

task<client_response> client::exchange(const std::string& method, const url& u, const request_options& opts) {
    check_scheme(method, u);
    const std::string key = u.scheme() + "://" + u.authority();
    // Expect: 100-continue for a large body (client_options::expect_continue_threshold), or
    // when the caller's fields ask for it; not again after a 417.
    const auto asked = opts.headers.get("expect");
    bool expect = !opts.stream && !opts.body.empty() &&
                  ((opts_.expect_continue_threshold != 0 && opts.body.size() > opts_.expect_continue_threshold) ||
                   (asked && iequals(*asked, "100-continue")));
    std::string head = request_head(method, u, opts, opts_, expect);
    for (int attempt = 0;; ++attempt) {
        std::unique_ptr<detail::client_conn> conn = co_await pool_->acquire(key);
        if (!conn) {
            std::string failure;
            client_error::kind_t kind = client_error::connect;
            try {
                std::optional<net::tls_context> tls;
                if (u.scheme() == "https") tls = tls_for_https();
                detail::any_stream s = co_await weft::timeout(opts_.connect_timeout, open_transport(u, std::move(tls)));
                conn = std::make_unique<detail::client_conn>(
                    std::move(s), detail::parser_limits{opts_.max_header_bytes, opts_.max_header_bytes, 1000});
                pool_->opened.fetch_add(1, std::memory_order_relaxed);
            } catch (const cancelled_error&) {
                pool_->release_slot(key);
                throw;
            } catch (const timeout_error&) {
                kind = client_error::timeout;
                failure = std::string(u.scheme() == "https" ? "connect and TLS handshake" : "connect") +
                          ": timed out after " + ms_text(opts_.connect_timeout);
            } catch (const net::tls_error& e) {
                kind = client_error::tls;
                failure = e.what();  // "TLS handshake with HOST: certificate verify failed: ..."
            } catch (const system_error& e) {
                failure = "connect: " + e.code().message();
            } catch (const std::exception& e) {
                failure = std::string("connect: ") + e.what();
            }
            if (!conn) {
                pool_->release_slot(key);
                throw client_error(kind, method, u.str(), failure);
            }
        }
        auto x = std::make_unique<detail::client_exchange>(pool_, key, std::move(conn), method, u.str(), opts_);
        bool stale = false;
        try {
            co_await x->send(head, opts,
                             expect ? std::optional<std::chrono::milliseconds>(opts_.expect_timeout) : std::nullopt);
            co_await x->read_head();
        } catch (const client_error& e) {
            // A pooled connection the server had closed: try once more on a new one.
            stale = attempt == 0 && x->reused() && !x->received() && !opts.stream &&
                    (e.kind() == client_error::send || e.kind() == client_error::receive);
            if (!stale) throw;
        }
        if (stale) continue;                           // x's destructor closed that connection
        if (x->body_withheld() && x->status == 417) {  // Expectation Failed: again, without Expect
            expect = false;
            head = request_head(method, u, opts, opts_, false);
            continue;
        }
        co_return client_response(std::move(x));
    }
}

}  // namespace weft::http
