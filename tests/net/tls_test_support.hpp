// tls_test_support.hpp — what the TLS tests share: one test CA per process, contexts that
// trust it, a connected client/server pair over loopback, an echo handler and a
// full-duplex exchange with checksums.
#pragma once

#include <array>
#include <cstddef>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <weft/join_handle.hpp>
#include <weft/net/tcp.hpp>
#include <weft/net/tls_stream.hpp>
#include <weft/runtime.hpp>

#include "../io/io_test_support.hpp"
#include "tls_test_certs.hpp"

namespace weft::test {

using tls_tcp = net::tls_stream<net::tcp_stream>;

inline test_ca& shared_ca() {
    static test_ca ca;
    return ca;
}

// example.test, localhost and 127.0.0.1, signed by shared_ca().
inline const tls_identity& server_identity() {
    static const tls_identity id = shared_ca().issue({.dns_names = {"example.test", "localhost"}});
    return id;
}

inline net::tls_context server_context(net::detail::tls_transport t = net::detail::tls_transport::automatic) {
    auto c = net::tls_context::server();
    c.use_certificate_chain(server_identity().certificate_pem).use_private_key(server_identity().private_key_pem);
    net::detail::set_tls_transport(c, t);
    return c;
}

inline net::tls_context client_context(net::detail::tls_transport t = net::detail::tls_transport::automatic) {
    auto c = net::tls_context::client();
    c.add_certificate_authority(shared_ca().certificate_pem());
    net::detail::set_tls_transport(c, t);
    return c;
}

inline net::socket_address loopback() { return {net::ip_address::parse("127.0.0.1"), 0}; }

inline std::string text(std::span<const std::byte> b) { return {reinterpret_cast<const char*>(b.data()), b.size()}; }

// Accepts one connection and runs the server handshake.
inline task<tls_tcp> accept_tls(net::tcp_listener* l, net::tls_context ctx) {
    net::tcp_stream conn = co_await l->accept();
    tls_tcp s = tls_tcp::server(std::move(conn), ctx);
    co_await s.handshake();
    co_return s;
}

inline task<tls_tcp> connect_tls(net::socket_address to, net::tls_context ctx, std::string name) {
    net::tcp_stream conn = co_await net::tcp_stream::connect(to);
    tls_tcp s = tls_tcp::client(std::move(conn), ctx, std::move(name));
    co_await s.handshake();
    co_return s;
}

struct tls_pair {
    tls_tcp client;
    tls_tcp server;
};

// A client and a server stream over one loopback TCP connection, both past the handshake.
inline task<tls_pair> connected_pair(net::tls_context cctx, net::tls_context sctx, std::string name = "example.test") {
    auto l = net::tcp_listener::bind(loopback());
    auto server = weft::spawn(accept_tls(&l, sctx));
    tls_tcp c = co_await connect_tls(l.local_address(), cctx, std::move(name));
    tls_tcp s = co_await server;
    co_return tls_pair{std::move(c), std::move(s)};
}

// Echoes until close_notify, then sends its own.
template <class S>
task<void> echo_tls(S s) {
    std::array<std::byte, 16384> buf;
    while (std::size_t n = co_await s.read_some(buf)) co_await s.write_all(std::span(buf.data(), n));
    co_await s.shutdown();
}

// Writes `size` random bytes (then close_notify) from one task while another reads the
// echo; true if every byte came back in order.
template <class S>
task<bool> exchange_tls(S& s, std::size_t size, std::uint32_t seed) {
    auto data = random_bytes(size, seed);
    auto writer = [](S* st, const std::vector<std::byte>* d) -> task<void> {
        std::size_t off = 0, step = 1;
        while (off < d->size()) {  // uneven pieces: 1 byte, 2, 4, ... up to 256 KiB
            std::size_t n = std::min(step, d->size() - off);
            co_await st->write_all(std::span(d->data() + off, n));
            off += n;
            step = std::min<std::size_t>(step * 2 + 1, 256 * 1024);
        }
        co_await st->shutdown();
    };
    auto w = weft::spawn(writer(&s, &data));
    std::uint64_t h = checksum({});
    std::size_t total = 0;
    std::array<std::byte, 5000> buf;
    while (std::size_t n = co_await s.read_some(buf)) {
        h = checksum(std::span(buf.data(), n), h);
        total += n;
    }
    co_await w;
    co_return total == size&& h == checksum(data);
}

}  // namespace weft::test
