// weft/net/tls_context.hpp — tls_context: the settings TLS streams share (Python's
// ssl.SSLContext): trust, identity, protocol versions, ALPN, session resumption, kernel TLS.
//
// A client context trusts the system's certificate store, verifies the server's certificate
// and its host name, and offers TLS 1.3 and 1.2 (1.3 preferred). A server context needs a
// certificate chain and its private key (PEM). Ciphers are OpenSSL's defaults.
//
//   auto client = weft::net::tls_context::client();                  // ssl.create_default_context()
//   client.load_verify_file("ca.pem").set_alpn({"h2", "http/1.1"});   // a private CA
//
//   auto server = weft::net::tls_context::server("chain.pem", "key.pem");
//   server.set_min_version(weft::net::tls_version::tls1_3);
//
// Every setter returns the context, so calls chain. A missing or malformed file, a key that
// does not match its certificate or an unknown cipher throws tls_context_error naming the
// file or the value (weft/net/tls_error.hpp). OpenSSL stays out of this header.
//
// Thread safety: a tls_context is a shared handle (copies refer to the same settings and
// session caches). Configure it first, then use it from any number of streams on any
// threads; changing settings while streams are being created is not safe. Streams keep
// what they need alive, so a context may be dropped while its streams live on.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <weft/net/tls_error.hpp>

namespace weft::net {

// A TLS protocol version (tls_context::set_min_version, set_max_version).
enum class tls_version { tls1_2, tls1_3 };

// A summary of a peer's certificate (tls_stream::peer_certificate()).
struct tls_certificate_info {
    std::string subject;                    // RFC 2253: "CN=example.test,O=weft"
    std::string issuer;                     // the same form
    std::vector<std::string> dns_names;     // subjectAltName DNS entries
    std::vector<std::string> ip_addresses;  // subjectAltName IP entries, as text
    // Start of the certificate's validity period.
    std::chrono::system_clock::time_point not_before;
    // End of the certificate's validity period.
    std::chrono::system_clock::time_point not_after;
    std::string serial_number;       // hexadecimal
    std::string sha256_fingerprint;  // 64 lowercase hex digits
};

// TLS settings (trust, identity, versions, ALPN, session resumption, kTLS) shared by the streams
// made with it: a handle; copies share one state. Setters throw tls_context_error and chain.
class tls_context {
public:
    // Verifies servers against the system trust store (OpenSSL's default paths), with
    // host name checks; TLS 1.2 at least; session resumption on.
    static tls_context client();
    // No certificate yet: use_certificate_chain_* and use_private_key_* before first use.
    static tls_context server();
    // A server context with its certificate chain and private key (PEM files).
    static tls_context server(const std::string& certificate_chain_file, const std::string& private_key_file);

    // True for a context made by server().
    bool is_server() const noexcept;

    // Trust (cafile, capath, cadata in Python's load_verify_locations). Added to what is
    // trusted already; a client starts with the system store.
    tls_context& load_verify_file(const std::string& path);
    tls_context& load_verify_dir(const std::string& path);  // hashed names (openssl rehash)
    // Trusts the CA certificates in pem (cadata).
    tls_context& add_certificate_authority(std::string_view pem);
    // The system store, for a server that verifies client certificates (set_verify_peer).
    tls_context& load_system_trust_store();

    // Identity: the leaf certificate first, then the intermediates; the key must match.
    tls_context& use_certificate_chain_file(const std::string& path);
    // The private key file (PEM) matching the certificate chain's leaf.
    tls_context& use_private_key_file(const std::string& path);
    // The certificate chain from PEM text, the leaf first.
    tls_context& use_certificate_chain(std::string_view pem);
    // The private key from PEM text, matching the chain's leaf.
    tls_context& use_private_key(std::string_view pem);

    // Lowest (highest) protocol version accepted; TLS 1.2 to 1.3 by default.
    tls_context& set_min_version(tls_version v);
    // Highest protocol version accepted (TLS 1.3 by default).
    tls_context& set_max_version(tls_version v);
    // Client: verify the server (default on; turning it off is for tests against throwaway
    // servers, never for production). Server: require and verify a client certificate
    // (default off).
    tls_context& set_verify_peer(bool on);
    // ALPN protocols in order of preference ("h2", "http/1.1"). A server picks its most
    // preferred protocol the client offers, or none; a client offers them all.
    tls_context& set_alpn(std::vector<std::string> protocols);
    // Session resumption: tickets and a server-side session cache on a server; on a client,
    // the last session of each server (per server name, or the key the stream is given) is
    // offered again. Default on.
    tls_context& set_session_resumption(bool on);
    // Kernel TLS (SSL_OP_ENABLE_KTLS): used for TCP streams when the kernel has the tls
    // module and the negotiated cipher allows it (docs/tls.md). Default on.
    tls_context& set_ktls(bool on);
    // OpenSSL cipher strings: TLS 1.2 and below ("ECDHE+AESGCM"), TLS 1.3
    // ("TLS_AES_128_GCM_SHA256"). The defaults are OpenSSL's; an unknown string throws.
    tls_context& set_cipher_list(const std::string& ciphers);
    // The TLS 1.3 cipher suites ("TLS_AES_128_GCM_SHA256"); an unknown string throws.
    tls_context& set_ciphersuites(const std::string& suites);
    // Treat a transport EOF without close_notify as a plain end of stream instead of
    // tls_truncated_error (Python's suppress_ragged_eofs). Only for protocols that frame
    // their own data (HTTP with Content-Length); default off.
    tls_context& set_ignore_unexpected_eof(bool on);

    // The settings' shared state (net/src/tls/context_impl.hpp); for weft's own code.
    struct impl;
    // The shared state (for weft's own code).
    impl& state() const noexcept { return *impl_; }
    // A shared owner of the state (for weft's own code).
    std::shared_ptr<impl> share() const noexcept { return impl_; }

private:
    explicit tls_context(std::shared_ptr<impl> p) noexcept : impl_(std::move(p)) {}
    std::shared_ptr<impl> impl_;
};

}  // namespace weft::net
