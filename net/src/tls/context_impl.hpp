// context_impl.hpp — tls_context's shared state: the SSL_CTX, the settings that are applied
// per connection, and the client's session cache. Internal to net/src/tls.
//
// Invariants: the SSL_CTX is configured before streams are made from it (the public
// header's thread-safety rule) and is only read afterwards, except by OpenSSL's own
// internally locked session cache. The client session cache has its own lock because
// OpenSSL calls new_session() from whichever worker runs the connection.
#pragma once

#include <openssl/ssl.h>

#include <cstddef>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include <weft/net/detail/tls_engine.hpp>
#include <weft/net/tls_context.hpp>

namespace weft::net::detail {

// The client's sessions, one per server key (the last one received). Bounded: when full,
// one entry is dropped (a full handshake is the only cost of a miss).
class tls_session_cache {
public:
    static constexpr std::size_t max_entries = 4096;

    tls_session_cache() = default;
    tls_session_cache(const tls_session_cache&) = delete;
    tls_session_cache& operator=(const tls_session_cache&) = delete;
    ~tls_session_cache();

    // Takes over one reference to s.
    void store(const std::string& key, SSL_SESSION* s);
    // A new reference to the session kept for key, or nullptr.
    SSL_SESSION* find(const std::string& key);
    void clear();

private:
    std::mutex lock_;
    std::unordered_map<std::string, SSL_SESSION*> sessions_;
};

}  // namespace weft::net::detail

namespace weft::net {

struct tls_context::impl {
    SSL_CTX* ctx = nullptr;
    bool server = false;
    bool verify_peer = false;
    bool resumption = true;
    bool ktls = true;
    bool ignore_unexpected_eof = false;
    detail::tls_transport transport = detail::tls_transport::automatic;
    // ALPN protocols in wire format (length-prefixed), for the server's selection.
    std::vector<unsigned char> alpn;
    detail::tls_session_cache sessions;

    impl() = default;
    impl(const impl&) = delete;
    impl& operator=(const impl&) = delete;
    ~impl() { SSL_CTX_free(ctx); }
};

}  // namespace weft::net
