// server.cpp — server::serve over net::serve, and the TCP instantiation of the connection
// (see weft/http/server.hpp).
#include <weft/http/server.hpp>
#include <weft/net/serve.hpp>

namespace weft::http {

template class detail::server_connection<net::tcp_stream>;
template task<void> server::serve_connection<net::tcp_stream>(net::tcp_stream);

server::server(http::handler h, server_options opts)
    : st_(std::make_shared<detail::server_state>(std::move(h), std::move(opts))) {}

task<void> server::serve(net::tcp_listener& listener) {
    net::serve_options so;
    so.grace_period = st_->options.grace_period;
    std::shared_ptr<detail::server_state> st = st_;
    so.on_stop = [st]() noexcept { st->stop(); };
    server* self = this;
    std::function<task<void>(net::tcp_stream)> accept_one = [self](net::tcp_stream s) {
        return self->serve_connection(std::move(s));
    };
    co_await net::serve(listener, std::move(accept_one), std::move(so));
}

task<void> serve(net::tcp_listener& listener, http::handler h, server_options opts) {
    server srv(std::move(h), std::move(opts));
    co_await srv.serve(listener);
}

}  // namespace weft::http
