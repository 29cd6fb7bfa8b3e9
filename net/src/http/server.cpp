// server.cpp — server::serve over net::serve, and the TCP instantiation of the connection
// (see weft/http/server.hpp).
#include <weft/http/server.hpp>
#include <weft/net/serve.hpp>
#include <weft/net/tls_error.hpp>

namespace weft::http {

template class detail::server_connection<net::tcp_stream>;
template task<void> server::serve_connection<net::tcp_stream>(net::tcp_stream);
template class detail::server_connection<net::tls_stream<net::tcp_stream>>;
template task<void> server::serve_connection<net::tls_stream<net::tcp_stream>>(net::tls_stream<net::tcp_stream>);

server::server(http::handler h, server_options opts)
    : st_(std::make_shared<detail::server_state>(std::move(h), std::move(opts))) {}

task<void> server::serve(net::tcp_listener& listener) {
    net::serve_options so;
    so.grace_period = st_->options.grace_period;
    std::shared_ptr<detail::server_state> st = st_;
    so.on_stop = [st]() noexcept { st->stop(); };
    server* self = this;
    std::function<task<void>(net::tcp_stream)> accept_one;
    if (st_->options.tls)
        accept_one = [self](net::tcp_stream s) { return self->serve_tls(std::move(s)); };
    else
        accept_one = [self](net::tcp_stream s) { return self->serve_connection(std::move(s)); };
    co_await net::serve(listener, std::move(accept_one), std::move(so));
}

task<void> server::serve_tls(net::tcp_stream s) {
    std::shared_ptr<detail::server_state> st = st_;
    if (st->options.nodelay) {
        try {
            s.set_nodelay(true);
        } catch (const weft::error&) {
        }
    }
    auto tls = net::tls_stream<net::tcp_stream>::server(std::move(s), *st->options.tls);
    try {
        co_await tls.handshake(st->options.limits.header_timeout);
    } catch (const net::tls_error&) {
        co_return;  // no TLS, or a client that does not trust us: the stream is closed
    } catch (const weft::timeout_error&) {
        co_return;
    } catch (const weft::system_error&) {
        co_return;  // reset during the handshake
    }
    co_await serve_connection(std::move(tls));
}

task<void> serve(net::tcp_listener& listener, http::handler h, server_options opts) {
    server srv(std::move(h), std::move(opts));
    co_await srv.serve(listener);
}

}  // namespace weft::http
