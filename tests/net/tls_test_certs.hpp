// tls_test_certs.hpp — a throwaway certificate authority for TLS tests, made at test time
// with OpenSSL's API (no external command, no real host's key). ECDSA P-256 keys: quick to
// make and to handshake with.
//
//   weft::test::test_ca ca;                                  // "weft test CA"
//   auto server = ca.issue({.dns_names = {"example.test"}});  // certificate + key, PEM
//   auto ctx = weft::net::tls_context::server();
//   ctx.use_certificate_chain(server.certificate_pem).use_private_key(server.private_key_pem);
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace weft::test {

struct tls_identity {
    std::string certificate_pem;
    std::string private_key_pem;
};

struct cert_options {
    std::vector<std::string> dns_names = {"example.test"};
    std::vector<std::string> ip_addresses = {"127.0.0.1"};
    // Validity, relative to now.
    std::chrono::seconds not_before = std::chrono::hours(-1);
    std::chrono::seconds not_after = std::chrono::hours(24);
};

class test_ca {
public:
    explicit test_ca(const std::string& name = "weft test CA");
    test_ca(const test_ca&) = delete;
    test_ca& operator=(const test_ca&) = delete;
    ~test_ca();

    const std::string& certificate_pem() const noexcept { return cert_pem_; }
    // A leaf certificate (server and client use) signed by this CA.
    tls_identity issue(const cert_options& o = {}) const;
    // A leaf certificate signed by its own key.
    static tls_identity self_signed(const cert_options& o = {});

private:
    void* key_ = nullptr;   // EVP_PKEY*
    void* cert_ = nullptr;  // X509*
    std::string cert_pem_;
};

// A directory under /tmp removed (with its files) when destroyed.
class temp_dir {
public:
    temp_dir();
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;
    ~temp_dir();
    const std::string& path() const noexcept { return path_; }
    // Writes text to path()/name and returns the file's path.
    std::string write(const std::string& name, const std::string& text) const;

private:
    std::string path_;
};

}  // namespace weft::test
