// tls_test_certs.cpp — certificates made with OpenSSL's API for the TLS tests.
#include "tls_test_certs.hpp"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>

namespace weft::test {

namespace {

void check(bool ok, const char* what) {
    if (!ok) throw std::runtime_error(std::string("test certificates: ") + what + " failed");
}

EVP_PKEY* new_key() {
    EVP_PKEY* k = EVP_EC_gen("P-256");
    check(k != nullptr, "EVP_EC_gen");
    return k;
}

void add_ext(X509* cert, X509* issuer, int nid, const std::string& value) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
    check(ext != nullptr, "X509V3_EXT_conf_nid");
    X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
}

// A certificate for `key` named cn, signed by issuer_key (issuer: nullptr = itself).
X509* make_cert(EVP_PKEY* key, const std::string& cn, X509* issuer, EVP_PKEY* issuer_key, bool ca,
                const cert_options& o) {
    X509* x = X509_new();
    check(x != nullptr, "X509_new");
    X509_set_version(x, 2);
    BIGNUM* serial = BN_new();
    BN_rand(serial, 63, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY);
    BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(x));
    BN_free(serial);
    X509_gmtime_adj(X509_getm_notBefore(x), static_cast<long>(o.not_before.count()));
    X509_gmtime_adj(X509_getm_notAfter(x), static_cast<long>(o.not_after.count()));
    X509_set_pubkey(x, key);
    X509_NAME* name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("weft tests"), -1, -1,
                               0);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
    X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name);
    X509* signer = issuer ? issuer : x;
    add_ext(x, signer, NID_subject_key_identifier, "hash");
    if (ca) {
        add_ext(x, signer, NID_basic_constraints, "critical,CA:TRUE");
        add_ext(x, signer, NID_key_usage, "critical,keyCertSign,cRLSign");
    } else {
        add_ext(x, signer, NID_basic_constraints, "critical,CA:FALSE");
        add_ext(x, signer, NID_key_usage, "critical,digitalSignature,keyEncipherment");
        add_ext(x, signer, NID_ext_key_usage, "serverAuth,clientAuth");
        std::string san;
        for (const auto& d : o.dns_names) san += (san.empty() ? "DNS:" : ",DNS:") + d;
        for (const auto& ip : o.ip_addresses) san += (san.empty() ? "IP:" : ",IP:") + ip;
        if (!san.empty()) add_ext(x, signer, NID_subject_alt_name, san);
    }
    if (issuer) add_ext(x, signer, NID_authority_key_identifier, "keyid:always");
    check(X509_sign(x, issuer_key ? issuer_key : key, EVP_sha256()) > 0, "X509_sign");
    return x;
}

std::string pem_of(X509* cert) {
    BIO* b = BIO_new(BIO_s_mem());
    PEM_write_bio_X509(b, cert);
    char* data = nullptr;
    long n = BIO_get_mem_data(b, &data);
    std::string s(data, static_cast<std::size_t>(n));
    BIO_free(b);
    return s;
}

std::string pem_of(EVP_PKEY* key) {
    BIO* b = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey(b, key, nullptr, nullptr, 0, nullptr, nullptr);
    char* data = nullptr;
    long n = BIO_get_mem_data(b, &data);
    std::string s(data, static_cast<std::size_t>(n));
    BIO_free(b);
    return s;
}

std::string leaf_name(const cert_options& o) {
    if (!o.dns_names.empty()) return o.dns_names.front();
    if (!o.ip_addresses.empty()) return o.ip_addresses.front();
    return "weft test leaf";
}

}  // namespace

test_ca::test_ca(const std::string& name) {
    EVP_PKEY* key = new_key();
    X509* cert = make_cert(key, name, nullptr, nullptr, true, cert_options{.not_after = std::chrono::hours(24 * 30)});
    key_ = key;
    cert_ = cert;
    cert_pem_ = pem_of(cert);
}

test_ca::~test_ca() {
    X509_free(static_cast<X509*>(cert_));
    EVP_PKEY_free(static_cast<EVP_PKEY*>(key_));
}

tls_identity test_ca::issue(const cert_options& o) const {
    EVP_PKEY* key = new_key();
    X509* cert = make_cert(key, leaf_name(o), static_cast<X509*>(cert_), static_cast<EVP_PKEY*>(key_), false, o);
    tls_identity id{pem_of(cert), pem_of(key)};
    X509_free(cert);
    EVP_PKEY_free(key);
    return id;
}

tls_identity test_ca::self_signed(const cert_options& o) {
    EVP_PKEY* key = new_key();
    X509* cert = make_cert(key, leaf_name(o), nullptr, nullptr, false, o);
    tls_identity id{pem_of(cert), pem_of(key)};
    X509_free(cert);
    EVP_PKEY_free(key);
    return id;
}

temp_dir::temp_dir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "weft-tls-XXXXXX").string();
    check(::mkdtemp(tmpl.data()) != nullptr, "mkdtemp");
    path_ = tmpl;
}

temp_dir::~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
}

std::string temp_dir::write(const std::string& name, const std::string& text) const {
    std::string p = path_ + "/" + name;
    std::ofstream f(p, std::ios::binary | std::ios::trunc);
    f << text;
    check(static_cast<bool>(f), "writing a test file");
    return p;
}

}  // namespace weft::test
