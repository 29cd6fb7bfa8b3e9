// verify.cpp — certificate verification failures, recorded as OpenSSL meets them and told
// in words: "self-signed certificate", "hostname mismatch: expected example.test,
// certificate for other.test".
//
// OpenSSL only keeps the last error code of a failed verification; the callback keeps the
// first failure with the certificate it concerned (for a host name mismatch, the names the
// certificate is for), which is what a person needs to see.
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "engine_impl.hpp"

namespace weft::net::detail {

int verify_callback(int preverify_ok, X509_STORE_CTX* store) {
    if (preverify_ok == 1) return 1;
    auto* ssl = static_cast<SSL*>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
    tls_engine::impl* e = ssl ? engine_of(ssl) : nullptr;
    if (e && e->verify_error == 0) {
        e->verify_error = X509_STORE_CTX_get_error(store);
        e->verify_depth = X509_STORE_CTX_get_error_depth(store);
        if (X509* cert = X509_STORE_CTX_get_current_cert(store)) {
            e->verify_subject = name_to_string(X509_get_subject_name(cert));
            e->verify_names = certificate_names(cert);
        }
    }
    return 0;  // fail the handshake (the verify mode asks for it)
}

std::string verify_failure_reason(const tls_engine::impl& e) {
    long code = e.verify_error != 0 ? e.verify_error : SSL_get_verify_result(e.ssl);
    auto names = [&] {
        std::string s;
        for (const auto& n : e.verify_names) s += (s.empty() ? "" : ", ") + n;
        return s.empty() ? std::string("no name") : s;
    };
    if (code == X509_V_ERR_HOSTNAME_MISMATCH)
        return "hostname mismatch: expected " + e.server_name + ", certificate for " + names();
    if (code == X509_V_ERR_IP_ADDRESS_MISMATCH)
        return "IP address mismatch: expected " + e.server_name + ", certificate for " + names();
    std::string reason = X509_verify_cert_error_string(code);
    if (!e.verify_subject.empty())
        reason +=
            " (" + (e.verify_depth == 0 ? std::string("certificate ") : "issuer certificate ") + e.verify_subject + ")";
    return reason;
}

}  // namespace weft::net::detail
