// engine_impl.hpp — tls_engine's state (weft/net/detail/tls_engine.hpp has the protocol).
// Internal to net/src/tls: engine.cpp runs the state machine, bio.cpp moves bytes between
// OpenSSL and the buffers, verify.cpp records and explains verification failures,
// certificate.cpp summarises certificates.
//
// Who touches what:
//   - `lock` is held by every engine call that runs OpenSSL or touches the buffers'
//     bookkeeping; OpenSSL's callbacks (BIO, verify, new session) run inside those calls.
//   - input: OpenSSL consumes [in_start, in_end) through the read BIO; the reading task
//     receives into [in_end, in_cap) *without* the lock (the region nothing else touches)
//     and publishes it with input_received(). Only input_space() moves data (compaction),
//     and only the reading task calls it, so a receive in flight never sees it move.
//   - output: the write BIO appends to `pending`; the task holding write_lock swaps it into
//     `sending` and sends that from `sent` on. Appends never touch `sending`, so the span a
//     send is using stays put.
#pragma once

#include <openssl/ssl.h>

#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <weft/mutex.hpp>
#include <weft/net/detail/tls_engine.hpp>

#include "context_impl.hpp"

namespace weft::net::detail {

// How one engine moves ciphertext (tls_transport, resolved).
enum class engine_io : std::uint8_t {
    buffers,     // custom BIO over the engine's own buffers (bio.cpp)
    memory_bio,  // OpenSSL's BIO_s_mem, copied in and out of the buffers
    socket,      // socket BIO (kTLS where the kernel took over)
};

struct tls_engine::impl {
    std::shared_ptr<tls_context::impl> ctx;
    SSL* ssl = nullptr;
    std::mutex lock;
    weft::mutex write_lock;

    bool server = false;
    std::string server_name;
    std::string session_key;
    std::string peer;
    int fd = -1;

    engine_io rd_io = engine_io::buffers;
    engine_io wr_io = engine_io::buffers;
    // After the handshake, fall back from the socket to the buffers for each direction the
    // kernel did not take over (automatic kTLS).
    bool ktls_attempt = false;
    bool ktls_tx = false;
    bool ktls_rx = false;
    BIO* mem_rbio = nullptr;  // memory_bio: owned by ssl
    BIO* mem_wbio = nullptr;

    // Input: ciphertext received and not yet consumed by OpenSSL.
    static constexpr std::size_t input_capacity = 32 * 1024;
    std::unique_ptr<std::byte[]> in;
    std::size_t in_start = 0;
    std::size_t in_end = 0;
    bool in_eof = false;

    // Output: records waiting to be sent.
    std::vector<std::byte> pending;
    std::vector<std::byte> sending;
    std::size_t sent = 0;

    bool handshake_done = false;
    bool write_abandoned = false;
    bool broken = false;  // OpenSSL reported a failure (the session is not to be resumed)
    std::string failed;   // why the connection is unusable; empty while it is fine

    // The first verification failure the verify callback saw (verify.cpp).
    int verify_error = 0;
    int verify_depth = -1;
    std::string verify_subject;
    std::vector<std::string> verify_names;

    impl() = default;
    impl(const impl&) = delete;
    impl& operator=(const impl&) = delete;
    ~impl() {
        if (!ssl) return;
        // OpenSSL makes the session of a connection freed without close_notify unresumable
        // (it may have been cut by an attacker). A healthy connection the application just
        // closed keeps its session: only an OpenSSL failure (raise() sets broken) loses it.
        if (handshake_done && !broken) SSL_set_shutdown(ssl, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
        SSL_free(ssl);
    }

    bool has_output() const noexcept {
        return sent < sending.size() || !pending.empty() || (mem_wbio && BIO_ctrl_pending(mem_wbio) > 0);
    }
};

// bio.cpp: a BIO that reads e->in and appends to e->pending.
BIO* make_buffer_bio(tls_engine::impl* e);

// verify.cpp
int verify_callback(int preverify_ok, X509_STORE_CTX* store);
// "self-signed certificate", "hostname mismatch: expected a, certificate for b", ...
std::string verify_failure_reason(const tls_engine::impl& e);

// certificate.cpp
tls_certificate_info summarize_certificate(X509* cert);
// The names a certificate is for: subjectAltName DNS and IP entries, else its common name.
std::vector<std::string> certificate_names(X509* cert);
std::string name_to_string(const X509_NAME* name);

// ktls.cpp: whether the kernel can take TLS over (tls ULP); probed once, logged once if not.
bool kernel_tls_available();

// The engine an SSL belongs to (SSL_set_app_data).
inline tls_engine::impl* engine_of(const SSL* ssl) noexcept {
    return static_cast<tls_engine::impl*>(SSL_get_app_data(ssl));
}

}  // namespace weft::net::detail
