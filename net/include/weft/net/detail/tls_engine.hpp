// weft/net/detail/tls_engine.hpp — the compiled half of tls_stream: one OpenSSL connection
// (SSL object, BIOs, buffers) as a state machine that never blocks and never suspends.
// tls_stream<Stream> (the template) drives it: each call runs OpenSSL until it finishes or
// needs transport I/O, and says which; the template does that I/O with the stream's own
// awaitables and calls again. Users include weft/net/tls_stream.hpp, not this.
//
// The transport, per direction (net/src/tls/engine.cpp has the full story):
//   - buffers (the default): OpenSSL reads ciphertext from the engine's input buffer and
//     writes into its output queue through a custom BIO; the template receives into
//     input_space() and sends output(). Works over any stream and both I/O drivers.
//   - socket: OpenSSL calls the socket itself (a socket BIO); the template only waits for
//     readiness. Used for the handshake when kernel TLS may be enabled, and afterwards for
//     each direction the kernel took over (kTLS), where OpenSSL's read/write are plain
//     system calls on plaintext.
//
// Protocol between the template and the engine:
//   - one task reads (read, input_space, input_received) and one writes at a time; both may
//     run at once. Every call takes the engine's lock (a std::mutex held only while OpenSSL
//     runs, never across a suspension).
//   - output produced by any call (records, alerts, tickets) is sent by whoever holds
//     write_lock(): output() gives a span that stays valid (later calls append elsewhere)
//     until output_sent() has consumed it.
//   - after a failure (an exception from a step, or fail()), every step throws tls_error.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include <weft/mutex.hpp>
#include <weft/net/tls_context.hpp>

namespace weft::net::detail {

enum class tls_step : std::uint8_t {
    done,         // finished; the result is n
    want_input,   // needs ciphertext: receive into input_space() (or wait readable: socket)
    want_output,  // socket transport only: wait until writable, then call again
    closed,       // read: the peer sent close_notify (or EOF, if ignored); n is 0
};

struct tls_result {
    tls_step step;
    std::size_t n = 0;
    bool has_output = false;  // output() is not empty: send it (under write_lock())
};

// How the engine talks to the transport; automatic is buffers, or socket for the handshake
// when kernel TLS may be used. Tests and benchmarks force the others with
// set_tls_transport: memory_bio is OpenSSL's BIO_s_mem pair (measured against the custom
// BIO in docs/tls.md); socket keeps the socket BIO after the handshake even without kTLS.
enum class tls_transport : std::uint8_t { automatic, buffers, memory_bio, socket };
void set_tls_transport(tls_context& ctx, tls_transport t);

class tls_engine {
public:
    tls_engine() noexcept;
    // fd: the transport's socket, or -1 when it has none (buffers only). peer: how errors
    // name the peer ("example.test"); empty: asked from fd when a message needs it.
    // session_key: the client's session cache key.
    tls_engine(const tls_context& ctx, bool server, std::string server_name, std::string session_key, std::string peer,
               int fd);
    tls_engine(tls_engine&&) noexcept;
    tls_engine& operator=(tls_engine&&) noexcept;
    ~tls_engine();

    bool valid() const noexcept { return impl_ != nullptr; }

    // Each throws tls_error (tls_verify_error, tls_truncated_error) or system_error on failure.
    tls_result handshake();
    tls_result read(std::span<std::byte> out);
    // At most max_write_chunk bytes at a time go through OpenSSL (records are sent before
    // the next chunk is encrypted, so the output queue stays small).
    static constexpr std::size_t max_write_chunk = 64 * 1024;
    tls_result write(std::span<const std::byte> in);
    // Queues close_notify (done), or says it needs to wait (socket transport).
    tls_result shutdown();
    // Queues close_notify and sends the output queue by non-blocking sends on the transport's
    // socket (none: nothing is sent): never waits. True if close_notify went out whole. The
    // caller holds write_lock().
    bool close_notify_nowait() noexcept;

    // The input buffer's free space; input_received(0) records the transport's EOF.
    std::span<std::byte> input_space();
    void input_received(std::size_t n);
    // What to send next (empty: nothing); stable until output_sent() consumed it all.
    std::span<const std::byte> output();
    void output_sent(std::size_t n) noexcept;
    bool has_output() const noexcept;
    weft::mutex& write_lock() noexcept;

    bool socket_reads() const noexcept;   // read readiness instead of receiving into the buffer
    bool socket_writes() const noexcept;  // write readiness instead of sending output()

    // Marks the connection unusable (a cancelled handshake, a timeout): later steps throw
    // tls_error naming `why`. Call it before closing the transport.
    void fail(std::string why) noexcept;
    // The transport is being closed (tls_stream::close): unusable, and its descriptor is no
    // longer asked for the peer's address.
    void closing() noexcept;
    // A write on the socket transport was cancelled in the middle of a record: OpenSSL must
    // not be asked to write again (later writes throw), reads still work.
    void abandon_write() noexcept;

    // The peer's close_notify has arrived.
    bool peer_closed() const noexcept;
    // How messages name the peer ("example.test", "127.0.0.1:50312").
    std::string peer() const;
    std::string alpn() const;
    std::string version() const;
    std::string cipher() const;
    bool session_reused() const;
    bool ktls_send() const noexcept;
    bool ktls_receive() const noexcept;
    std::optional<tls_certificate_info> peer_certificate() const;

    struct impl;

private:
    std::unique_ptr<impl> impl_;
};

}  // namespace weft::net::detail
