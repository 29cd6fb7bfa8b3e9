// weft/net/tls_stream.hpp — tls_stream<Stream>: TLS over any weft byte stream (tcp_stream,
// unix_stream, ...), with the same awaitable shape as the plain streams: read_some,
// read_exact, write_some, write_all, shutdown, close. asyncio's open_connection(ssl=ctx) and
// start_server(ssl=ctx); Python's SSLSocket.
//
//   auto ctx = weft::net::tls_context::client();
//   auto tls = co_await weft::net::tls_connect(ctx, "example.com", 443);  // connect + handshake
//   co_await tls.write_all(weft::as_bytes("GET / HTTP/1.1\r\nHost: example.com\r\n\r\n"));
//   std::size_t n = co_await tls.read_some(buf);                          // 0: close_notify
//
//   // A server: wrap each accepted connection, handshake with a deadline.
//   auto tls = weft::net::tls_stream<weft::net::tcp_stream>::server(std::move(conn), server_ctx);
//   co_await tls.handshake(10s);                                          // tls_timeout_error
//
// handshake() must finish before reading or writing. Failures throw tls_error and its
// kinds (weft/net/tls_error.hpp) with OpenSSL's reason in words; the transport's own
// failures stay weft::system_error. A stream whose handshake or I/O failed is unusable:
// later calls throw tls_error saying why; close() it. buffered_reader works over it.
//
// Cancellation. Every wait is a cancellation point, and none leaves OpenSSL half-way:
//   - handshake(): a cancelled (or timed out) handshake closes the connection;
//   - read_some(): nothing is lost; ciphertext already received stays buffered and the
//     stream remains usable;
//   - write_some()/write_all(): as with a plain socket, some prefix of the data may have
//     reached the peer. TLS records are never cut: records already encrypted are sent
//     first by the next write or shutdown. (With kernel TLS a write cancelled inside a
//     record makes later writes throw tls_error; reads keep working.)
//   - shutdown(): close_notify may not have gone out; close() the stream.
//
// Thread safety: as the plain streams: one task may read while another writes, from any
// workers (the engine serialises OpenSSL internally); at most one reader and one writer at
// a time. close() may be called from any thread. Distinct streams are independent.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <optional>
#include <span>
#include <string>
#include <utility>

#include <weft/error.hpp>
#include <weft/net/detail/tls_engine.hpp>
#include <weft/net/stream.hpp>
#include <weft/net/tcp.hpp>
#include <weft/net/tls_context.hpp>
#include <weft/net/tls_error.hpp>
#include <weft/task.hpp>
#include <weft/timeout.hpp>

namespace weft::net {

namespace detail {

// A stream over a socket weft can wait on: the kTLS transport needs its descriptor.
template <class S>
concept tls_socket_stream = requires(S& s) {
    { s.native_handle() } -> std::convertible_to<int>;
    s.fd().readable();
    s.fd().writable();
};

// "127.0.0.1:50312" for a TCP peer, else "peer" (error messages only).
template <class S>
std::string tls_describe_peer(S& s) {
    if constexpr (requires { s.peer_address().to_string(); }) {
        try {
            return s.peer_address().to_string();
        } catch (const weft::error&) {
        }
    }
    return "peer";
}

}  // namespace detail

template <class Stream>
// TLS over Stream (a connected weft byte stream): the plain streams' read and write calls, encrypted.
// Move-only; destroying it closes the transport (as close() does).
class tls_stream {
public:
    tls_stream() noexcept = default;
    // Takes o's connection; o is left without one.
    tls_stream(tls_stream&&) noexcept = default;
    // Takes o's connection; o is left without one.
    tls_stream& operator=(tls_stream&&) noexcept = default;

    // A client over a connected stream. server_name is sent as SNI and checked against the
    // server's certificate (a name, or an IP literal checked against its IP entries).
    // session_key picks the cached session to resume (default: server_name); give
    // "host:port" when one host runs several TLS servers.
    static tls_stream client(Stream s, const tls_context& ctx, std::string server_name, std::string session_key = {}) {
        std::string key = session_key.empty() ? server_name : std::move(session_key);
        std::string peer = !server_name.empty()                ? server_name
                           : detail::tls_socket_stream<Stream> ? std::string()
                                                               : detail::tls_describe_peer(s);
        int fd = native_fd(s);
        return tls_stream(std::move(s),
                          detail::tls_engine(ctx, false, std::move(server_name), std::move(key), std::move(peer), fd));
    }
    // A server over an accepted stream; the context holds the certificate and key.
    static tls_stream server(Stream s, const tls_context& ctx) {
        // Over a socket the engine asks for the peer's address only if a message needs it.
        std::string peer = detail::tls_socket_stream<Stream> ? std::string() : detail::tls_describe_peer(s);
        int fd = native_fd(s);
        return tls_stream(std::move(s), detail::tls_engine(ctx, true, {}, {}, std::move(peer), fd));
    }

    // Runs the handshake (and verification) to its end.
    task<void> handshake() {
        check();
        std::exception_ptr failure;
        try {
            while (true) {
                detail::tls_result r = engine_.handshake();
                if (r.has_output) co_await flush();
                if (r.step == detail::tls_step::done) co_return;
                co_await transfer(r.step);
            }
        } catch (const tls_error&) {
            failure = std::current_exception();
        } catch (...) {
            // Cancelled, or the transport failed: OpenSSL stopped half-way, so the
            // connection is of no further use.
            engine_.fail("the handshake was interrupted");
            stream_.close();
            throw;
        }
        co_await send_alert();  // tell the peer why (bad certificate, no shared cipher...)
        stream_.close();
        std::rethrow_exception(failure);
    }

    // As handshake(), within a deadline: tls_timeout_error ("handshake timed out") and the
    // connection closed once it passes.
    task<void> handshake(std::chrono::milliseconds limit) {
        bool timed_out = false;
        try {
            co_await weft::timeout(limit, handshake());
        } catch (const tls_timeout_error&) {
            throw;
        } catch (const weft::timeout_error&) {
            timed_out = true;
        }
        if (timed_out) {
            engine_.fail("the handshake timed out");
            stream_.close();
            throw tls_timeout_error("TLS handshake with " + engine_.peer() + ": handshake timed out after " +
                                    std::to_string(limit.count()) + " ms");
        }
    }

    // Some decrypted bytes; 0 once the peer sent close_notify. tls_truncated_error if the
    // transport ends without it.
    task<std::size_t> read_some(std::span<std::byte> buf) {
        check();
        if (buf.empty()) co_return 0;
        while (true) {
            detail::tls_result r = engine_.read(buf);
            if (r.has_output) co_await flush_if_idle();
            if (r.step == detail::tls_step::done) co_return r.n;
            if (r.step == detail::tls_step::closed) co_return 0;
            co_await transfer(r.step);
        }
    }

    // Exactly buf.size() bytes; weft::error "unexpected end of stream" if the peer ends first.
    task<void> read_exact(std::span<std::byte> buf) {
        while (!buf.empty()) {
            std::size_t n = co_await read_some(buf);
            if (n == 0) throw weft::error("TLS read_exact from " + engine_.peer() + ": unexpected end of stream");
            buf = buf.subspan(n);
        }
    }

    // Encrypts up to max_write_chunk bytes of buf and sends them; returns how many.
    task<std::size_t> write_some(std::span<const std::byte> buf) {
        check();
        if (buf.empty()) co_return 0;
        std::size_t n = 0;
        {
            auto held = co_await engine_.write_lock().scoped_lock();
            n = co_await write_locked(buf);
        }
        co_await flush_if_idle();
        co_return n;
    }

    // Writes all of buf (waits while the transport is full). Throws tls_error or system_error.
    task<void> write_all(std::span<const std::byte> buf) {
        check();
        {
            auto held = co_await engine_.write_lock().scoped_lock();
            while (!buf.empty()) {
                std::size_t n = co_await write_locked(buf);
                buf = buf.subspan(n);
            }
        }
        co_await flush_if_idle();
    }

    // Sends close_notify, then half-closes the transport (its send side), so the peer
    // reads the end of the stream. Does not wait for the peer's close_notify: read_some
    // until it returns 0 for that. Once the peer's close_notify has arrived, the peer may
    // already have closed its socket: that is not a failure here. Idempotent.
    task<void> shutdown() {
        check();
        int err = 0;
        try {
            {
                auto held = co_await engine_.write_lock().scoped_lock();
                while (err == 0) {
                    detail::tls_result r = engine_.shutdown();
                    if (r.has_output) err = co_await send_output();
                    if (r.step == detail::tls_step::done) break;
                    if (err == 0) co_await transfer(r.step);
                }
            }
            if (err == 0) {
                co_await flush_if_idle();
                if constexpr (requires { stream_.shutdown(shutdown_how::send); }) {
                    if (stream_.is_open()) stream_.shutdown(shutdown_how::send);
                }
            }
        } catch (const weft::system_error&) {
            if (!engine_.peer_closed()) throw;  // else: the peer left first, as it may
        }
        if (err != 0 && !engine_.peer_closed()) throw system_error(-err, "TLS shutdown with " + engine_.peer());
    }

    // Sends close_notify if the transport's socket takes it at once, then closes as close()
    // does. Never waits and never suspends (a pool closing an idle connection must not
    // stall its caller). Over a transport that is not a socket, before the handshake has
    // finished, or while a write holds the stream, it only closes. True if close_notify
    // went out.
    bool close_notify_and_close() noexcept {
        bool sent = false;
        if (engine_.valid() && stream_.is_open() && engine_.write_lock().try_lock()) {
            mutex_guard held(&engine_.write_lock());
            sent = engine_.close_notify_nowait();
        }
        close();
        return sent;
    }
    // Closes the transport at once (no close_notify); pending operations end with
    // system_error(ECANCELED). Idempotent; also what the destructor does.
    void close() noexcept {
        if (engine_.valid()) engine_.closing();
        stream_.close();
    }
    // True until close() (or the transport was closed).
    bool is_open() const noexcept { return stream_.is_open(); }

    // After the handshake: the protocol the server chose ("" if none), the protocol version
    // ("TLSv1.3"), the cipher, whether the session was resumed, whether the kernel does the
    // record layer (send, receive), and the peer's certificate (none from a client that
    // was not asked for one).
    std::string alpn() const { return engine_.alpn(); }
    // The negotiated protocol version ("TLSv1.3").
    std::string protocol_version() const { return engine_.version(); }
    // The negotiated cipher ("TLS_AES_256_GCM_SHA384").
    std::string cipher() const { return engine_.cipher(); }
    // True if the handshake resumed a cached session.
    bool session_reused() const { return engine_.session_reused(); }
    // True if the kernel encrypts what is sent (kTLS).
    bool ktls_send() const noexcept { return engine_.ktls_send(); }
    // True if the kernel decrypts what is received (kTLS).
    bool ktls_receive() const noexcept { return engine_.ktls_receive(); }
    // The peer's certificate; none if it sent none (a client that was not asked for one).
    std::optional<tls_certificate_info> peer_certificate() const { return engine_.peer_certificate(); }

    // The transport (tcp_stream options, addresses). Reading or writing it directly
    // corrupts the TLS stream.
    Stream& next_layer() noexcept { return stream_; }
    // The transport, read-only (options, addresses).
    const Stream& next_layer() const noexcept { return stream_; }

private:
    tls_stream(Stream s, detail::tls_engine e) noexcept : stream_(std::move(s)), engine_(std::move(e)) {}

    static int native_fd(Stream& s) {
        if constexpr (detail::tls_socket_stream<Stream>)
            return s.native_handle();
        else
            return -1;
    }

    void check() const {
        if (!engine_.valid()) throw tls_error("tls_stream: not initialised (use tls_stream::client or ::server)");
    }

    // Moves ciphertext for one step the engine asked for: receive into its input buffer,
    // or (socket transport) wait for the descriptor.
    task<void> transfer(detail::tls_step step) {
        if (step == detail::tls_step::want_input && !engine_.socket_reads()) {
            std::span<std::byte> space = engine_.input_space();
            std::size_t n = co_await stream_.read_some(space);
            engine_.input_received(n);
            co_return;
        }
        if constexpr (detail::tls_socket_stream<Stream>) {
            if (step == detail::tls_step::want_input)
                co_await stream_.fd().readable();
            else
                co_await stream_.fd().writable();
        } else {
            throw tls_error("TLS: the socket transport needs a socket stream");
        }
    }

    // Sends the engine's output; the caller holds write_lock. Progress is recorded after
    // every send, so a cancelled flush leaves the rest for the next one. Returns 0, or the
    // transport's -errno: over a socket a peer that has gone costs no exception here (a
    // server answering close_notify to a client that already closed meets it on every
    // connection); other streams throw their own errors.
    task<int> send_output() {
        while (true) {
            std::span<const std::byte> out = engine_.output();
            if (out.empty()) co_return 0;
            std::size_t n = 0;
            if constexpr (requires(std::error_code & ec) { stream_.write_some(out, ec); }) {
                std::error_code ec;
                n = co_await stream_.write_some(out, ec);
                if (ec) co_return -ec.value();
            } else {
                n = co_await stream_.write_some(out);
            }
            engine_.output_sent(n);
        }
    }

    task<void> flush_locked() {
        int err = co_await send_output();
        if (err != 0) throw system_error(-err, "TLS write to " + engine_.peer());
    }

    task<void> flush() {
        auto held = co_await engine_.write_lock().scoped_lock();
        co_await flush_locked();
    }

    // Sends output (an alert, a key update) a read produced, unless a writer holds the lock:
    // a reader must never wait for a writer, who may be blocked on a peer that is itself
    // blocked until we read. Whoever holds the lock sends it (flush_locked runs until the
    // queue is empty), and every writer calls this after unlocking, so output queued in
    // the moment between a writer's last look and its unlock is not stranded.
    task<void> flush_if_idle() {
        while (engine_.has_output() && engine_.write_lock().try_lock()) {
            mutex_guard held(&engine_.write_lock());
            co_await flush_locked();
        }
    }

    task<std::size_t> write_locked(std::span<const std::byte> buf) {
        while (true) {
            detail::tls_result r = engine_.write(buf);
            if (r.has_output) co_await flush_locked();
            if (r.step == detail::tls_step::done) co_return r.n;
            try {
                co_await transfer(r.step);
            } catch (...) {
                engine_.abandon_write();  // OpenSSL holds a partly written record
                throw;
            }
        }
    }

    // After a failed handshake: the alert OpenSSL queued, if the transport takes it.
    task<void> send_alert() {
        try {
            co_await flush();
        } catch (const weft::error&) {
            // The peer is gone or we were cancelled: the alert was a courtesy.
        }
    }

    Stream stream_;
    detail::tls_engine engine_;
};

// Connects to host:port over TCP and runs a client handshake verifying `host`; the session
// cache key is "host:port". Resolution and connect failures throw system_error.
inline task<tls_stream<tcp_stream>> tls_connect(tls_context ctx, std::string host, std::uint16_t port) {
    tcp_stream tcp = co_await tcp_stream::connect(host, port);
    std::string key = host + ":" + std::to_string(port);
    auto tls = tls_stream<tcp_stream>::client(std::move(tcp), ctx, std::move(host), std::move(key));
    co_await tls.handshake();
    co_return tls;
}

}  // namespace weft::net
