// tls_context: loading certificates, keys and CAs from files and text, and every rejected
// setting as a tls_context_error naming the file or the value.
#include <gtest/gtest.h>

#include <string>

#include <weft/net/tls_context.hpp>

#include "tls_test_certs.hpp"

namespace {

using weft::net::tls_context;
using weft::net::tls_context_error;

// The message of the tls_context_error fn throws ("" if none).
template <class F>
std::string error_of(F fn) {
    try {
        fn();
    } catch (const tls_context_error& e) {
        return e.what();
    }
    return "";
}

struct files {
    weft::test::test_ca ca;
    weft::test::tls_identity id = ca.issue();
    weft::test::tls_identity other = ca.issue({.dns_names = {"other.test"}});
    weft::test::temp_dir dir;
    std::string cert = dir.write("cert.pem", id.certificate_pem);
    std::string key = dir.write("key.pem", id.private_key_pem);
    std::string other_key = dir.write("other-key.pem", other.private_key_pem);
    std::string ca_file = dir.write("ca.pem", ca.certificate_pem());
    std::string garbage =
        dir.write("garbage.pem", "-----BEGIN CERTIFICATE-----\nnot base64 at all!\n-----END CERTIFICATE-----\n");
    std::string empty = dir.write("empty.pem", "");
};

TEST(tls_context, loads_a_server_identity_and_a_ca_from_files) {
    files f;
    auto server = tls_context::server(f.cert, f.key);
    EXPECT_TRUE(server.is_server());
    auto client = tls_context::client();
    EXPECT_FALSE(client.is_server());
    client.load_verify_file(f.ca_file).load_verify_dir(f.dir.path()).set_alpn({"h2", "http/1.1"});
    client.set_min_version(weft::net::tls_version::tls1_3);
}

TEST(tls_context, missing_files_name_the_file_and_the_errno) {
    files f;
    EXPECT_EQ(error_of([&] { tls_context::server("/nonexistent/cert.pem", f.key); }),
              "tls_context: certificate chain file '/nonexistent/cert.pem': No such file or directory");
    EXPECT_EQ(error_of([&] { tls_context::server(f.cert, "/nonexistent/key.pem"); }),
              "tls_context: private key file '/nonexistent/key.pem': No such file or directory");
    EXPECT_EQ(error_of([&] { tls_context::client().load_verify_file("/nonexistent/ca.pem"); }),
              "tls_context: CA file '/nonexistent/ca.pem': No such file or directory");
    EXPECT_EQ(error_of([&] { tls_context::client().load_verify_dir("/nonexistent"); }),
              "tls_context: CA directory '/nonexistent': No such file or directory");
    EXPECT_EQ(error_of([&] { tls_context::client().load_verify_dir(f.ca_file); }),
              "tls_context: CA directory '" + f.ca_file + "': not a directory");
    EXPECT_EQ(error_of([&] { tls_context::client().load_verify_file(f.dir.path()); }),
              "tls_context: CA file '" + f.dir.path() + "': Is a directory");
}

TEST(tls_context, malformed_files_name_the_file_and_the_reason) {
    files f;
    std::string e = error_of([&] { tls_context::server().use_certificate_chain_file(f.garbage); });
    EXPECT_EQ(e.rfind("tls_context: certificate chain file '" + f.garbage + "': no PEM certificate found (", 0), 0u)
        << e;
    e = error_of([&] { tls_context::server().use_certificate_chain_file(f.empty); });
    EXPECT_EQ(e, "tls_context: certificate chain file '" + f.empty + "': no PEM certificate found (no start line)");
    e = error_of([&] { tls_context::server().use_private_key_file(f.cert); });  // a certificate, not a key
    EXPECT_EQ(e.rfind("tls_context: private key file '" + f.cert + "': no usable PEM private key found", 0), 0u) << e;
    e = error_of([&] { tls_context::client().load_verify_file(f.key); });  // a key, not a certificate
    EXPECT_EQ(e, "tls_context: CA file '" + f.key + "': no PEM certificate found");
    e = error_of([&] { tls_context::client().load_verify_file(f.garbage); });
    EXPECT_EQ(e.rfind("tls_context: CA file '" + f.garbage + "': malformed PEM", 0), 0u) << e;
}

TEST(tls_context, a_key_that_does_not_match_its_certificate) {
    files f;
    std::string e = error_of([&] { tls_context::server(f.cert, f.other_key); });
    EXPECT_EQ(
        e.rfind("tls_context: private key file '" + f.other_key + "': the private key does not match the certificate",
                0),
        0u)
        << e;
    // The other order: key first, then a certificate for another key.
    e = error_of([&] { tls_context::server().use_private_key_file(f.other_key).use_certificate_chain_file(f.cert); });
    EXPECT_EQ(e.rfind("tls_context: certificate chain file '" + f.cert +
                          "': the certificate does not match the private key loaded before",
                      0),
              0u)
        << e;
}

TEST(tls_context, rejected_settings_name_the_value) {
    EXPECT_EQ(error_of([] {
                  tls_context::client().set_cipher_list("NO-SUCH-CIPHER");
              }).rfind("tls_context: cipher list 'NO-SUCH-CIPHER' selects no cipher", 0),
              0u);
    EXPECT_EQ(error_of([] {
                  tls_context::client().set_ciphersuites("TLS_NO_SUCH_SUITE");
              }).rfind("tls_context: TLS 1.3 ciphersuites 'TLS_NO_SUCH_SUITE' rejected", 0),
              0u);
    EXPECT_EQ(error_of([] {
                  tls_context::client().set_alpn({"h2", ""});
              }),
              "tls_context: ALPN protocol '': must be 1 to 255 bytes long");
    EXPECT_EQ(error_of([] {
                  tls_context::client()
                      .set_max_version(weft::net::tls_version::tls1_2)
                      .set_min_version(weft::net::tls_version::tls1_3);
              }),
              "tls_context: minimum version TLS 1.3 is above the maximum TLS 1.2");
    EXPECT_EQ(error_of([] { tls_context::client().add_certificate_authority("hello"); }),
              "tls_context: CA certificates (PEM text): no PEM certificate found");
    EXPECT_EQ(error_of([] {
                  tls_context::client().set_cipher_list("ECDHE+AESGCM").set_ciphersuites("TLS_AES_128_GCM_SHA256");
              }),
              "");
}

}  // namespace
