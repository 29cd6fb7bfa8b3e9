// weft/http/server.hpp — the HTTP/1.1 server: aiohttp's web.Application + AppRunner, over
// weft::net::serve.
//
//   weft::task<weft::http::response> hello(weft::http::request&) {
//       co_return weft::http::response::text("Hello, World!");
//   }
//   auto listener = weft::net::tcp_listener::bind(weft::net::socket_address::parse("127.0.0.1:8080"));
//   weft::http::server srv(hello);                 // or a weft::http::router
//   co_await srv.serve(listener);                  // until cancelled
//
// HTTPS: set server_options::tls to a server context (certificate and key) and serve()
// runs the TLS handshake on each connection first (within limits.header_timeout).
//
// One task per connection; keep-alive and pipelining (responses in order), chunked and
// Content-Length bodies both ways, Expect: 100-continue, HEAD, Date and Server fields, and
// the limits and timeouts of server_options.hpp.
//
// Cancellation (graceful shutdown, as net::serve): cancelling the task running serve()
// stops accepting, closes the connections that wait for a request, lets the requests in
// flight finish (their responses say `Connection: close`) for options.grace_period, then
// cancels what is left, waits for it and rethrows cancelled_error.
//
// Thread safety: a server may serve several listeners at once (they share its state: the
// first serve() cancelled stops the whole server); its handler runs on any worker, for
// many requests at once. The server must outlive serve() (the connections
// keep the state they share alive, so a server destroyed later is fine).
#pragma once

#include <cstdint>
#include <memory>

#include <weft/http/detail/server_connection.hpp>
#include <weft/http/detail/server_state.hpp>
#include <weft/http/handler.hpp>
#include <weft/http/server_options.hpp>
#include <weft/net/tcp.hpp>
#include <weft/net/tls_stream.hpp>
#include <weft/task.hpp>

namespace weft::http {

// An HTTP/1.1 server (keep-alive, chunked bodies, limits and timeouts) serving one handler.
// Not copyable.
class server {
public:
    // Throws config_error for a limit out of range.
    explicit server(http::handler h, server_options opts = {});
    server(const server&) = delete;
    server& operator=(const server&) = delete;

    // Serves the connections of listener until cancelled (see above); over TLS when
    // options().tls is set (HTTPS).
    task<void> serve(net::tcp_listener& listener);
    // Serves one connection over any stream (see detail/server_connection.hpp for what a
    // Stream must offer): how TLS and other transports plug in. Ends with the connection.
    template <class Stream>
    task<void> serve_connection(Stream stream);
    // No new requests; connections waiting for one close. serve() calls it when cancelled.
    void stop() noexcept { st_->stop(); }

    // The options the server was built with.
    const server_options& options() const noexcept { return st_->options; }
    // Connections opened so far; requests answered on connections that have ended.
    std::uint64_t connections_opened() const noexcept { return st_->connections.load(std::memory_order_relaxed); }
    // Requests answered on connections that have ended.
    std::uint64_t requests_served() const noexcept { return st_->requests.load(std::memory_order_relaxed); }

private:
    // HTTPS: the handshake within limits.header_timeout, then serve_connection.
    task<void> serve_tls(net::tcp_stream s);
    std::shared_ptr<detail::server_state> st_;
};

// server(h, opts).serve(listener), for a server that needs no handle.
task<void> serve(net::tcp_listener& listener, http::handler h, server_options opts);
// serve(listener, h, server_options{}).
inline task<void> serve(net::tcp_listener& listener, http::handler h) {
    return serve(listener, std::move(h), server_options{});
}

template <class Stream>
task<void> server::serve_connection(Stream stream) {
    std::shared_ptr<detail::server_state> st = st_;  // lives as long as the connection
    if constexpr (requires { stream.set_nodelay(true); }) {
        if (st->options.nodelay) {
            try {
                stream.set_nodelay(true);
            } catch (const weft::error&) {
            }
        }
    }
    detail::conn_record rec;
    rec.root = co_await weft::detail::current_root_awaiter{};
    st->add(rec);
    struct registered {  // out of the registry on every path, before rec goes away
        detail::server_state& st;
        detail::conn_record& rec;
        ~registered() { st.remove(rec); }
    } guard{*st, rec};
    bool cancelled = false;
    {
        detail::server_connection<Stream> conn(stream, *st, rec);
        try {
            co_await conn.run();
        } catch (const cancelled_error&) {
            // Ours (a timeout, or stop() ending a wait for a request; the deadline word says
            // `fired`): the connection just ends. Anyone else's (the grace period is over,
            // the caller's cancellation) goes on up once the connection is closed.
            cancelled = rec.deadline.load(std::memory_order_acquire) != detail::conn_record::fired;
        } catch (const weft::error&) {
            // reset by the peer, a write that failed: nothing left to tell the client
        } catch (const std::exception& e) {
            detail::log_connection_failure(e.what());
        }
        st->requests.fetch_add(conn.requests(), std::memory_order_relaxed);
    }
    stream.close();
    if (cancelled) throw cancelled_error();
}

extern template class detail::server_connection<net::tcp_stream>;
extern template task<void> server::serve_connection<net::tcp_stream>(net::tcp_stream);
extern template class detail::server_connection<net::tls_stream<net::tcp_stream>>;
extern template task<void> server::serve_connection<net::tls_stream<net::tcp_stream>>(net::tls_stream<net::tcp_stream>);

}  // namespace weft::http
