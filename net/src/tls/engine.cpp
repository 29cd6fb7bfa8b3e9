// engine.cpp — tls_engine: one OpenSSL connection as a non-blocking state machine
// (weft/net/detail/tls_engine.hpp has the protocol, engine_impl.hpp who touches what).
//
// Transports. By default OpenSSL reads and writes the engine's buffers through a custom BIO
// (bio.cpp) and the template moves ciphertext with the stream's own awaitables: that works
// over any stream and lets the io_uring driver do the receives and sends itself. Kernel TLS
// needs OpenSSL to own the socket (it hands the keys to the kernel through the socket BIO),
// so when the context allows kTLS, the stream is TCP and the kernel has the tls module, the
// handshake runs over socket BIOs and the template waits for readiness; afterwards each
// direction the kernel took over stays on the socket (OpenSSL's reads and writes are then
// plain system calls on plaintext) and the others move to the buffers.
//
// Every call: take the lock, clear this thread's OpenSSL error queue, run OpenSSL, read the
// outcome (and the queue) before returning. A failure marks the engine failed and throws;
// later calls throw tls_error saying why it failed, so OpenSSL is never asked to go on from
// a half-finished state.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <cerrno>
#include <cstring>

#include <weft/net/address.hpp>

#include "engine_impl.hpp"
#include "errors.hpp"

namespace weft::net::detail {

namespace {

bool is_tcp(int fd) {
    int proto = 0;
    socklen_t len = sizeof proto;
    return ::getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &proto, &len) == 0 && proto == IPPROTO_TCP;
}

bool is_ip_literal(const std::string& host) {
    unsigned char buf[sizeof(in6_addr)];
    return ::inet_pton(AF_INET, host.c_str(), buf) == 1 || ::inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

// How messages name the peer: given at construction, or (a server over a socket) asked
// from the socket the first time a message needs it, so that a healthy connection costs no
// getpeername. Never after the transport was closed: the number may name another socket.
const std::string& peer_name(tls_engine::impl& e) {
    if (!e.peer.empty()) return e.peer;
    e.peer = "peer";
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    if (e.fd >= 0 && ::getpeername(e.fd, reinterpret_cast<sockaddr*>(&ss), &len) == 0) {
        if (ss.ss_family == AF_INET || ss.ss_family == AF_INET6) {
            try {
                e.peer = socket_address::from_sockaddr(reinterpret_cast<sockaddr*>(&ss), len).to_string();
            } catch (const weft::error&) {
            }
        } else if (ss.ss_family == AF_UNIX) {
            e.peer = "unix socket peer";
        }
    }
    return e.peer;
}

BIO* new_socket_bio(int fd) {
    BIO* b = BIO_new_socket(fd, BIO_NOCLOSE);
    if (!b) throw std::bad_alloc();
    return b;
}

BIO* new_memory_bio() {
    BIO* b = BIO_new(BIO_s_mem());
    if (!b) throw std::bad_alloc();
    return b;
}

bool ktls_on(BIO* b, bool send) {
#ifndef OPENSSL_NO_KTLS
    return b && (send ? BIO_get_ktls_send(b) : BIO_get_ktls_recv(b));
#else
    (void)b;
    (void)send;
    return false;
#endif
}

void check_usable(const tls_engine::impl& e, const char* verb) {
    if (!e.failed.empty())
        throw tls_error(std::string(verb) + " " + e.peer + ": the connection is unusable: " + e.failed);
}

void check_handshake_done(const tls_engine::impl& e, const char* verb) {
    if (!e.handshake_done)
        throw tls_error(std::string(verb) + " " + e.peer +
                        ": the handshake has not been done (call handshake() first)");
}

// Turns a failed SSL call into an exception, marking the engine failed.
[[noreturn]] void raise(tls_engine::impl& e, const char* verb, int ssl_error, int saved_errno) {
    const std::string what = std::string(verb) + " " + peer_name(e);
    e.broken = true;
    openssl_error_code code = peek_openssl_error();
    std::string reasons = take_openssl_errors();
    if (code.lib == ERR_LIB_SSL && code.reason == SSL_R_CERTIFICATE_VERIFY_FAILED) {
        std::string reason = verify_failure_reason(e);
        e.failed = "certificate verify failed: " + reason;
        throw tls_verify_error(what + ": " + e.failed, reason);
    }
    if (code.lib == ERR_LIB_SSL && code.reason == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
        if (!e.handshake_done) {
            e.failed = "the peer closed the connection during the handshake";
            throw tls_error(what + ": " + e.failed);
        }
        e.failed = "the peer closed the connection without close_notify (the data may be cut short)";
        throw tls_truncated_error(what + ": " + e.failed);
    }
    if (ssl_error == SSL_ERROR_SYSCALL && reasons.empty() && saved_errno != 0) {
        e.failed = std::strerror(saved_errno);
        throw system_error(saved_errno, what);
    }
    if (ssl_error == SSL_ERROR_ZERO_RETURN) reasons = "the peer sent close_notify during the handshake";
    if (reasons.empty()) reasons = ssl_error == SSL_ERROR_SYSCALL ? "the transport failed" : "OpenSSL gave no reason";
    e.failed = reasons;
    throw tls_error(what + ": " + reasons);
}

// After a successful handshake: which directions the kernel took over; the others leave
// the socket for the buffers when the socket was only there for kTLS.
void after_handshake(tls_engine::impl& e) {
    e.handshake_done = true;
    if (e.rd_io == engine_io::socket) e.ktls_rx = ktls_on(SSL_get_rbio(e.ssl), false);
    if (e.wr_io == engine_io::socket) e.ktls_tx = ktls_on(SSL_get_wbio(e.ssl), true);
    if (!e.ktls_attempt) return;
    if (!e.ktls_rx) {
        SSL_set0_rbio(e.ssl, make_buffer_bio(&e));
        e.rd_io = engine_io::buffers;
    }
    if (!e.ktls_tx) {
        SSL_set0_wbio(e.ssl, make_buffer_bio(&e));
        e.wr_io = engine_io::buffers;
    }
}

// The common tail of read/write/handshake/shutdown: what the failed call is waiting for.
tls_result want(tls_engine::impl& e, const char* verb, int rc, int saved_errno) {
    int err = SSL_get_error(e.ssl, rc);
    switch (err) {
        case SSL_ERROR_WANT_READ:
            return {tls_step::want_input, 0, e.has_output()};
        case SSL_ERROR_WANT_WRITE:
            return {tls_step::want_output, 0, e.has_output()};
        case SSL_ERROR_ZERO_RETURN:
            if (e.handshake_done) return {tls_step::closed, 0, e.has_output()};
            break;
        default:
            break;
    }
    raise(e, verb, err, saved_errno);
}

void configure_transport(tls_engine::impl& e) {
    tls_transport t = e.ctx->transport;
    if (t == tls_transport::socket && e.fd < 0) t = tls_transport::buffers;
    // kTLS only for TCP (the ULP is TCP's), and only asked about when it may be used.
    const bool ktls = e.ctx->ktls && e.fd >= 0 && kernel_tls_available() && is_tcp(e.fd);
    if (t == tls_transport::automatic) {
        e.ktls_attempt = ktls;
        t = ktls ? tls_transport::socket : tls_transport::buffers;
    }
    switch (t) {
        case tls_transport::socket:
            SSL_set0_rbio(e.ssl, new_socket_bio(e.fd));
            SSL_set0_wbio(e.ssl, new_socket_bio(e.fd));
            e.rd_io = e.wr_io = engine_io::socket;
            if (ktls) SSL_set_options(e.ssl, SSL_OP_ENABLE_KTLS);
            break;
        case tls_transport::memory_bio:
            e.mem_rbio = new_memory_bio();
            SSL_set0_rbio(e.ssl, e.mem_rbio);
            e.mem_wbio = new_memory_bio();
            SSL_set0_wbio(e.ssl, e.mem_wbio);
            BIO_set_mem_eof_return(e.mem_rbio, -1);  // empty: retry, until the transport ends
            e.rd_io = e.wr_io = engine_io::memory_bio;
            break;
        default:
            SSL_set0_rbio(e.ssl, make_buffer_bio(&e));
            SSL_set0_wbio(e.ssl, make_buffer_bio(&e));
            e.rd_io = e.wr_io = engine_io::buffers;
            break;
    }
}

void configure_peer_checks(tls_engine::impl& e) {
    const bool literal = is_ip_literal(e.server_name);
    if (e.server) {
        if (e.ctx->verify_peer)
            SSL_set_verify(e.ssl, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, verify_callback);
        return;
    }
    if (!e.server_name.empty() && !literal && SSL_set_tlsext_host_name(e.ssl, e.server_name.c_str()) != 1)
        throw tls_error("TLS: server name '" + e.server_name + "' rejected for SNI: " + take_openssl_errors());
    if (!e.ctx->verify_peer) {
        SSL_set_verify(e.ssl, SSL_VERIFY_NONE, nullptr);
        return;
    }
    if (e.server_name.empty())
        throw tls_error("tls_stream::client: verifying the server needs its host name (or set_verify_peer(false))");
    SSL_set_verify(e.ssl, SSL_VERIFY_PEER, verify_callback);
    SSL_set_hostflags(e.ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    int ok = literal ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(e.ssl), e.server_name.c_str())
                     : SSL_set1_host(e.ssl, e.server_name.c_str());
    if (ok != 1)
        throw tls_error("TLS: cannot verify against host name '" + e.server_name + "': " + take_openssl_errors());
}

}  // namespace

tls_engine::tls_engine() noexcept = default;
tls_engine::tls_engine(tls_engine&&) noexcept = default;
tls_engine& tls_engine::operator=(tls_engine&&) noexcept = default;
tls_engine::~tls_engine() = default;

tls_engine::tls_engine(const tls_context& ctx, bool server, std::string server_name, std::string session_key,
                       std::string peer, int fd)
    : impl_(std::make_unique<impl>()) {
    impl& e = *impl_;
    e.ctx = ctx.share();
    if (e.ctx->server != server)
        throw tls_error(server ? "tls_stream::server needs a server context (tls_context::server)"
                               : "tls_stream::client needs a client context (tls_context::client)");
    if (server && !SSL_CTX_get0_certificate(e.ctx->ctx))
        throw tls_error("tls_stream::server: the context has no certificate (use_certificate_chain_file)");
    if (server && !SSL_CTX_get0_privatekey(e.ctx->ctx))
        throw tls_error("tls_stream::server: the context has no private key (use_private_key_file)");
    e.server = server;
    e.server_name = std::move(server_name);
    e.session_key = std::move(session_key);
    e.peer = std::move(peer);
    e.fd = fd;
    ERR_clear_error();
    e.ssl = SSL_new(e.ctx->ctx);
    if (!e.ssl) throw tls_error("TLS: SSL_new failed: " + take_openssl_errors());
    SSL_set_app_data(e.ssl, &e);
    if (server)
        SSL_set_accept_state(e.ssl);
    else
        SSL_set_connect_state(e.ssl);
    if (e.ctx->ignore_unexpected_eof) SSL_set_options(e.ssl, SSL_OP_IGNORE_UNEXPECTED_EOF);
    configure_peer_checks(e);
    if (!server && e.ctx->resumption && !e.session_key.empty()) {
        if (SSL_SESSION* s = e.ctx->sessions.find(e.session_key)) {
            SSL_set_session(e.ssl, s);
            SSL_SESSION_free(s);
        }
    }
    configure_transport(e);
}

tls_result tls_engine::handshake() {
    impl& e = *impl_;
    std::lock_guard g(e.lock);
    check_usable(e, "TLS handshake with");
    if (e.handshake_done) return {tls_step::done, 0, e.has_output()};
    ERR_clear_error();
    errno = 0;
    int rc = SSL_do_handshake(e.ssl);
    int saved = errno;
    if (rc == 1) {
        after_handshake(e);
        return {tls_step::done, 0, e.has_output()};
    }
    return want(e, "TLS handshake with", rc, saved);
}

tls_result tls_engine::read(std::span<std::byte> out) {
    impl& e = *impl_;
    std::lock_guard g(e.lock);
    check_usable(e, "TLS read from");
    check_handshake_done(e, "TLS read from");
    ERR_clear_error();
    errno = 0;
    std::size_t n = 0;
    int rc = SSL_read_ex(e.ssl, out.data(), out.size(), &n);
    int saved = errno;
    if (rc == 1) return {tls_step::done, n, e.has_output()};
    return want(e, "TLS read from", rc, saved);
}

tls_result tls_engine::write(std::span<const std::byte> in) {
    impl& e = *impl_;
    std::lock_guard g(e.lock);
    check_usable(e, "TLS write to");
    check_handshake_done(e, "TLS write to");
    if (e.write_abandoned)
        throw tls_error("TLS write to " + peer_name(e) + ": an earlier write was cancelled in the middle of a record");
    ERR_clear_error();
    errno = 0;
    std::size_t n = 0;
    int rc = SSL_write_ex(e.ssl, in.data(), in.size() < max_write_chunk ? in.size() : max_write_chunk, &n);
    int saved = errno;
    if (rc == 1) return {tls_step::done, n, e.has_output()};
    return want(e, "TLS write to", rc, saved);
}

tls_result tls_engine::shutdown() {
    impl& e = *impl_;
    std::lock_guard g(e.lock);
    check_usable(e, "TLS shutdown with");
    check_handshake_done(e, "TLS shutdown with");
    if (e.write_abandoned)
        throw tls_error("TLS shutdown with " + peer_name(e) +
                        ": an earlier write was cancelled in the middle of a record");
    if (SSL_get_shutdown(e.ssl) & SSL_SENT_SHUTDOWN) return {tls_step::done, 0, e.has_output()};
    ERR_clear_error();
    errno = 0;
    int rc = SSL_shutdown(e.ssl);  // 0: close_notify sent; 1: and the peer's received
    int saved = errno;
    if (rc >= 0) return {tls_step::done, 0, e.has_output()};
    tls_result r = want(e, "TLS shutdown with", rc, saved);
    // Only sending matters here; a shutdown never waits for the peer's close_notify.
    if (r.step == tls_step::want_input || r.step == tls_step::closed) r.step = tls_step::done;
    return r;
}

bool tls_engine::close_notify_nowait() noexcept {
    if (!impl_ || impl_->fd < 0) return false;
    try {
        if (shutdown().step != tls_step::done) return false;  // the socket transport is full
        while (true) {
            std::span<const std::byte> out = output();
            if (out.empty()) return true;
            const ssize_t n = ::send(impl_->fd, out.data(), out.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
            if (n <= 0) return false;  // full, or the peer is gone: the close goes on without it
            output_sent(static_cast<std::size_t>(n));
        }
    } catch (...) {  // unusable (a failed or unfinished handshake, an abandoned write)
        return false;
    }
}

std::span<std::byte> tls_engine::input_space() {
    impl& e = *impl_;
    std::lock_guard g(e.lock);
    if (!e.in)
        e.in = std::make_unique_for_overwrite<std::byte[]>(impl::input_capacity);     // no zeroing: 32 KiB a connection
    if (e.rd_io == engine_io::memory_bio) return {e.in.get(), impl::input_capacity};  // staging only
    if (e.in_start == e.in_end) {
        e.in_start = e.in_end = 0;
    } else if (e.in_start > 0) {
        // OpenSSL only asks for input once it has consumed all of it, so this is a safety net.
        std::memmove(e.in.get(), e.in.get() + e.in_start, e.in_end - e.in_start);
        e.in_end -= e.in_start;
        e.in_start = 0;
    }
    return {e.in.get() + e.in_end, impl::input_capacity - e.in_end};
}

void tls_engine::input_received(std::size_t n) {
    impl& e = *impl_;
    std::lock_guard g(e.lock);
    if (e.rd_io == engine_io::memory_bio) {
        if (n == 0)
            BIO_set_mem_eof_return(e.mem_rbio, 0);
        else if (BIO_write(e.mem_rbio, e.in.get(), static_cast<int>(n)) != static_cast<int>(n))
            throw std::bad_alloc();
        return;
    }
    if (n == 0)
        e.in_eof = true;
    else
        e.in_end += n;
}

std::span<const std::byte> tls_engine::output() {
    impl& e = *impl_;
    std::lock_guard g(e.lock);
    if (e.sent == e.sending.size()) {
        e.sending.clear();
        e.sent = 0;
        if (e.mem_wbio) {
            std::size_t n = BIO_ctrl_pending(e.mem_wbio);
            e.sending.resize(n);
            if (n > 0 && BIO_read(e.mem_wbio, e.sending.data(), static_cast<int>(n)) != static_cast<int>(n))
                throw tls_error("TLS: memory BIO read failed");
        } else {
            e.sending.swap(e.pending);  // pending keeps the old buffer's capacity
        }
    }
    return {e.sending.data() + e.sent, e.sending.size() - e.sent};
}

void tls_engine::output_sent(std::size_t n) noexcept {
    std::lock_guard g(impl_->lock);
    impl_->sent += n;
}

bool tls_engine::has_output() const noexcept {
    std::lock_guard g(impl_->lock);
    return impl_->has_output();
}

weft::mutex& tls_engine::write_lock() noexcept { return impl_->write_lock; }

bool tls_engine::socket_reads() const noexcept { return impl_->rd_io == engine_io::socket; }
bool tls_engine::socket_writes() const noexcept { return impl_->wr_io == engine_io::socket; }

void tls_engine::fail(std::string why) noexcept {
    std::lock_guard g(impl_->lock);
    peer_name(*impl_);  // while the descriptor is still ours
    if (impl_->failed.empty()) impl_->failed = std::move(why);
}

void tls_engine::closing() noexcept {
    std::lock_guard g(impl_->lock);
    if (impl_->failed.empty()) impl_->failed = "the stream was closed";
    impl_->fd = -1;
}

void tls_engine::abandon_write() noexcept {
    std::lock_guard g(impl_->lock);
    impl_->write_abandoned = true;
}

bool tls_engine::peer_closed() const noexcept {
    std::lock_guard g(impl_->lock);
    return (SSL_get_shutdown(impl_->ssl) & SSL_RECEIVED_SHUTDOWN) != 0;
}

std::string tls_engine::peer() const {
    std::lock_guard g(impl_->lock);
    return peer_name(*impl_);
}

std::string tls_engine::alpn() const {
    std::lock_guard g(impl_->lock);
    const unsigned char* p = nullptr;
    unsigned int len = 0;
    SSL_get0_alpn_selected(impl_->ssl, &p, &len);
    return p ? std::string(reinterpret_cast<const char*>(p), len) : std::string();
}

std::string tls_engine::version() const {
    std::lock_guard g(impl_->lock);
    return impl_->handshake_done ? SSL_get_version(impl_->ssl) : "";
}

std::string tls_engine::cipher() const {
    std::lock_guard g(impl_->lock);
    const SSL_CIPHER* c = SSL_get_current_cipher(impl_->ssl);
    return c ? SSL_CIPHER_get_name(c) : "";
}

bool tls_engine::session_reused() const {
    std::lock_guard g(impl_->lock);
    return SSL_session_reused(impl_->ssl) == 1;
}

bool tls_engine::ktls_send() const noexcept { return impl_->ktls_tx; }
bool tls_engine::ktls_receive() const noexcept { return impl_->ktls_rx; }

std::optional<tls_certificate_info> tls_engine::peer_certificate() const {
    std::lock_guard g(impl_->lock);
    X509* cert = SSL_get0_peer_certificate(impl_->ssl);
    if (!cert) return std::nullopt;
    return summarize_certificate(cert);
}

}  // namespace weft::net::detail
