// context.cpp — tls_context: building and configuring the SSL_CTX (weft/net/tls_context.hpp).
//
// Files are read here (not by OpenSSL's file loaders) so that a missing file is reported
// with its errno and a malformed one with OpenSSL's PEM reason, both naming the file.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cerrno>
#include <cstring>

#include "context_impl.hpp"
#include "engine_impl.hpp"
#include "errors.hpp"

namespace weft::net {

namespace {

using detail::take_openssl_errors;

[[noreturn]] void fail(const std::string& what) {
    std::string reasons = take_openssl_errors();
    throw tls_context_error("tls_context: " + what + (reasons.empty() ? "" : " (" + reasons + ")"));
}

std::string read_file(const std::string& path, const std::string& what) {
    constexpr std::size_t max_size = 16 << 20;  // certificates and keys are a few KiB
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw tls_context_error("tls_context: " + what + " '" + path + "': " + std::strerror(errno));
    std::string data;
    char buf[16384];
    while (true) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            int err = errno;
            ::close(fd);
            throw tls_context_error("tls_context: " + what + " '" + path + "': " + std::strerror(err));
        }
        if (n == 0) break;
        data.append(buf, static_cast<std::size_t>(n));
        if (data.size() > max_size) {
            ::close(fd);
            throw tls_context_error("tls_context: " + what + " '" + path + "': larger than 16 MiB, not a PEM file");
        }
    }
    ::close(fd);
    return data;
}

struct bio_deleter {
    void operator()(BIO* b) const noexcept { BIO_free(b); }
};
using bio_ptr = std::unique_ptr<BIO, bio_deleter>;

bio_ptr memory_source(std::string_view pem) {
    bio_ptr b(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    if (!b) throw std::bad_alloc();
    return b;
}

// PEM reading ends with "no start line" when the data runs out: that one is expected.
bool only_end_of_data_left() {
    auto e = detail::peek_openssl_error();
    if (e.lib == ERR_LIB_PEM && e.reason == PEM_R_NO_START_LINE) {
        ERR_clear_error();
        return true;
    }
    return e.lib == 0;
}

int refuse_password(char*, int, int, void*) { return -1; }

int on_new_session(SSL* ssl, SSL_SESSION* session) {
    auto* e = detail::engine_of(ssl);
    if (!e || e->session_key.empty() || !SSL_SESSION_is_resumable(session)) return 0;
    e->ctx->sessions.store(e->session_key, session);
    return 1;  // the cache keeps the reference
}

int on_alpn_select(SSL*, const unsigned char** out, unsigned char* out_len, const unsigned char* in,
                   unsigned int in_len, void* arg) {
    auto* c = static_cast<tls_context::impl*>(arg);
    if (c->alpn.empty()) return SSL_TLSEXT_ERR_NOACK;
    unsigned char* chosen = nullptr;
    unsigned char chosen_len = 0;
    // The first of our protocols that the client offers (server preference).
    if (SSL_select_next_proto(&chosen, &chosen_len, c->alpn.data(), static_cast<unsigned>(c->alpn.size()), in,
                              in_len) != OPENSSL_NPN_NEGOTIATED)
        return SSL_TLSEXT_ERR_NOACK;
    *out = chosen;
    *out_len = chosen_len;
    return SSL_TLSEXT_ERR_OK;
}

std::shared_ptr<tls_context::impl> make_impl(bool server) {
    auto c = std::make_shared<tls_context::impl>();
    ERR_clear_error();
    c->ctx = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());
    if (!c->ctx) fail("SSL_CTX_new failed");
    c->server = server;
    SSL_CTX_set_min_proto_version(c->ctx, TLS1_2_VERSION);
    SSL_CTX_set_max_proto_version(c->ctx, TLS1_3_VERSION);
    // Renegotiation is a source of bugs and attacks, and would let a read need a write
    // (and a write a read) after the handshake; TLS 1.3 has none.
    SSL_CTX_set_options(c->ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
    SSL_CTX_set_mode(c->ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    if (server) {
        c->verify_peer = false;
        SSL_CTX_set_session_cache_mode(c->ctx, SSL_SESS_CACHE_SERVER);
        static const unsigned char sid_ctx[] = "weft";
        SSL_CTX_set_session_id_context(c->ctx, sid_ctx, sizeof sid_ctx - 1);
        SSL_CTX_set_alpn_select_cb(c->ctx, on_alpn_select, c.get());
    } else {
        c->verify_peer = true;
        if (SSL_CTX_set_default_verify_paths(c->ctx) != 1) fail("cannot load the system trust store");
        SSL_CTX_set_session_cache_mode(c->ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
        SSL_CTX_sess_set_new_cb(c->ctx, on_new_session);
    }
    return c;
}

int wire_version(tls_version v) { return v == tls_version::tls1_2 ? TLS1_2_VERSION : TLS1_3_VERSION; }
const char* version_name(int v) { return v == TLS1_2_VERSION ? "TLS 1.2" : "TLS 1.3"; }

void load_chain(tls_context::impl& c, std::string_view pem, const std::string& source) {
    ERR_clear_error();
    auto bio = memory_source(pem);
    X509* leaf = PEM_read_bio_X509_AUX(bio.get(), nullptr, nullptr, nullptr);
    if (!leaf) fail(source + ": no PEM certificate found");
    std::unique_ptr<X509, decltype(&X509_free)> leaf_owner(leaf, X509_free);
    if (EVP_PKEY* key = SSL_CTX_get0_privatekey(c.ctx); key && X509_check_private_key(leaf, key) != 1)
        fail(source + ": the certificate does not match the private key loaded before");
    if (SSL_CTX_use_certificate(c.ctx, leaf) != 1) fail(source + ": certificate rejected");
    SSL_CTX_clear_chain_certs(c.ctx);
    while (X509* ca = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
        if (SSL_CTX_add0_chain_cert(c.ctx, ca) != 1) {
            X509_free(ca);
            fail(source + ": intermediate certificate rejected");
        }
    }
    if (!only_end_of_data_left()) fail(source + ": malformed certificate after the first one");
}

void load_key(tls_context::impl& c, std::string_view pem, const std::string& source) {
    ERR_clear_error();
    auto bio = memory_source(pem);
    EVP_PKEY* key = PEM_read_bio_PrivateKey(bio.get(), nullptr, refuse_password, nullptr);
    if (!key) fail(source + ": no usable PEM private key found (encrypted keys are not supported)");
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key_owner(key, EVP_PKEY_free);
    if (X509* cert = SSL_CTX_get0_certificate(c.ctx); cert && X509_check_private_key(cert, key) != 1)
        fail(source + ": the private key does not match the certificate");
    if (SSL_CTX_use_PrivateKey(c.ctx, key) != 1) fail(source + ": private key rejected");
}

void load_authorities(tls_context::impl& c, std::string_view pem, const std::string& source) {
    ERR_clear_error();
    auto bio = memory_source(pem);
    STACK_OF(X509_INFO)* infos = PEM_X509_INFO_read_bio(bio.get(), nullptr, nullptr, nullptr);
    if (!infos) fail(source + ": malformed PEM");
    X509_STORE* store = SSL_CTX_get_cert_store(c.ctx);
    int certs = 0;
    bool ok = true;
    for (int i = 0; i < sk_X509_INFO_num(infos); ++i) {
        X509_INFO* info = sk_X509_INFO_value(infos, i);
        if (info->x509) {
            ok = ok && X509_STORE_add_cert(store, info->x509) == 1;
            ++certs;
        }
        if (info->crl) ok = ok && X509_STORE_add_crl(store, info->crl) == 1;
    }
    sk_X509_INFO_pop_free(infos, X509_INFO_free);
    if (!ok) fail(source + ": certificate rejected by the trust store");
    if (certs == 0) fail(source + ": no PEM certificate found");
}

std::string file_source(const char* what, const std::string& path) { return std::string(what) + " '" + path + "'"; }

}  // namespace

tls_context tls_context::client() { return tls_context(make_impl(false)); }

tls_context tls_context::server() { return tls_context(make_impl(true)); }

tls_context tls_context::server(const std::string& certificate_chain_file, const std::string& private_key_file) {
    tls_context c = server();
    c.use_certificate_chain_file(certificate_chain_file);
    c.use_private_key_file(private_key_file);
    return c;
}

bool tls_context::is_server() const noexcept { return impl_->server; }

tls_context& tls_context::load_verify_file(const std::string& path) {
    load_authorities(*impl_, read_file(path, "CA file"), file_source("CA file", path));
    return *this;
}

tls_context& tls_context::load_verify_dir(const std::string& path) {
    struct stat st;
    if (::stat(path.c_str(), &st) < 0)
        throw tls_context_error("tls_context: CA directory '" + path + "': " + std::strerror(errno));
    if (!S_ISDIR(st.st_mode)) throw tls_context_error("tls_context: CA directory '" + path + "': not a directory");
    ERR_clear_error();
    if (SSL_CTX_load_verify_dir(impl_->ctx, path.c_str()) != 1) fail("CA directory '" + path + "' rejected");
    return *this;
}

tls_context& tls_context::add_certificate_authority(std::string_view pem) {
    load_authorities(*impl_, pem, "CA certificates (PEM text)");
    return *this;
}

tls_context& tls_context::load_system_trust_store() {
    ERR_clear_error();
    if (SSL_CTX_set_default_verify_paths(impl_->ctx) != 1) fail("cannot load the system trust store");
    return *this;
}

tls_context& tls_context::use_certificate_chain_file(const std::string& path) {
    load_chain(*impl_, read_file(path, "certificate chain file"), file_source("certificate chain file", path));
    return *this;
}

tls_context& tls_context::use_private_key_file(const std::string& path) {
    load_key(*impl_, read_file(path, "private key file"), file_source("private key file", path));
    return *this;
}

tls_context& tls_context::use_certificate_chain(std::string_view pem) {
    load_chain(*impl_, pem, "certificate chain (PEM text)");
    return *this;
}

tls_context& tls_context::use_private_key(std::string_view pem) {
    load_key(*impl_, pem, "private key (PEM text)");
    return *this;
}

tls_context& tls_context::set_min_version(tls_version v) {
    int max = SSL_CTX_get_max_proto_version(impl_->ctx);
    if (max != 0 && wire_version(v) > max)
        throw tls_context_error(std::string("tls_context: minimum version ") + version_name(wire_version(v)) +
                                " is above the maximum " + version_name(max));
    SSL_CTX_set_min_proto_version(impl_->ctx, wire_version(v));
    return *this;
}

tls_context& tls_context::set_max_version(tls_version v) {
    int min = SSL_CTX_get_min_proto_version(impl_->ctx);
    if (wire_version(v) < min)
        throw tls_context_error(std::string("tls_context: maximum version ") + version_name(wire_version(v)) +
                                " is below the minimum " + version_name(min));
    SSL_CTX_set_max_proto_version(impl_->ctx, wire_version(v));
    return *this;
}

tls_context& tls_context::set_verify_peer(bool on) {
    impl_->verify_peer = on;
    return *this;
}

tls_context& tls_context::set_alpn(std::vector<std::string> protocols) {
    std::vector<unsigned char> wire;
    for (const auto& p : protocols) {
        if (p.empty() || p.size() > 255)
            throw tls_context_error("tls_context: ALPN protocol '" + p + "': must be 1 to 255 bytes long");
        wire.push_back(static_cast<unsigned char>(p.size()));
        wire.insert(wire.end(), p.begin(), p.end());
    }
    if (impl_->server) {
        impl_->alpn = std::move(wire);
    } else if (SSL_CTX_set_alpn_protos(impl_->ctx, wire.empty() ? nullptr : wire.data(),
                                       static_cast<unsigned>(wire.size())) != 0) {  // 0 is success here
        fail("ALPN list rejected");
    }
    return *this;
}

tls_context& tls_context::set_session_resumption(bool on) {
    impl_->resumption = on;
    if (impl_->server) {
        SSL_CTX_set_session_cache_mode(impl_->ctx, on ? SSL_SESS_CACHE_SERVER : SSL_SESS_CACHE_OFF);
        SSL_CTX_set_num_tickets(impl_->ctx, on ? 2 : 0);
        if (on)
            SSL_CTX_clear_options(impl_->ctx, SSL_OP_NO_TICKET);
        else
            SSL_CTX_set_options(impl_->ctx, SSL_OP_NO_TICKET);
    } else {
        SSL_CTX_set_session_cache_mode(
            impl_->ctx, on ? SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE : SSL_SESS_CACHE_OFF);
        if (!on) impl_->sessions.clear();
    }
    return *this;
}

tls_context& tls_context::set_ktls(bool on) {
    impl_->ktls = on;
    return *this;
}

tls_context& tls_context::set_cipher_list(const std::string& ciphers) {
    ERR_clear_error();
    if (SSL_CTX_set_cipher_list(impl_->ctx, ciphers.c_str()) != 1)
        fail("cipher list '" + ciphers + "' selects no cipher");
    return *this;
}

tls_context& tls_context::set_ciphersuites(const std::string& suites) {
    ERR_clear_error();
    if (SSL_CTX_set_ciphersuites(impl_->ctx, suites.c_str()) != 1)
        fail("TLS 1.3 ciphersuites '" + suites + "' rejected");
    return *this;
}

tls_context& tls_context::set_ignore_unexpected_eof(bool on) {
    impl_->ignore_unexpected_eof = on;
    return *this;
}

namespace detail {
void set_tls_transport(tls_context& ctx, tls_transport t) { ctx.state().transport = t; }
}  // namespace detail

}  // namespace weft::net
