// certificate.cpp — certificates in words: the names a certificate is for, and the summary
// tls_stream::peer_certificate() returns.
#include <arpa/inet.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include <array>
#include <ctime>

#include "engine_impl.hpp"

namespace weft::net::detail {

namespace {

std::string ip_to_string(const ASN1_OCTET_STRING* ip) {
    std::array<char, INET6_ADDRSTRLEN> buf{};
    int len = ASN1_STRING_length(ip);
    const unsigned char* p = ASN1_STRING_get0_data(ip);
    if (len == 4 && ::inet_ntop(AF_INET, p, buf.data(), buf.size())) return buf.data();
    if (len == 16 && ::inet_ntop(AF_INET6, p, buf.data(), buf.size())) return buf.data();
    return "(malformed IP address)";
}

std::string asn1_string(const ASN1_STRING* s) {
    return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                       static_cast<std::size_t>(ASN1_STRING_length(s)));
}

// subjectAltName entries: DNS names into dns, IP addresses into ips.
void alt_names(X509* cert, std::vector<std::string>& dns, std::vector<std::string>& ips) {
    auto* names = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
    if (!names) return;
    for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
        const GENERAL_NAME* n = sk_GENERAL_NAME_value(names, i);
        if (n->type == GEN_DNS) dns.push_back(asn1_string(n->d.dNSName));
        if (n->type == GEN_IPADD) ips.push_back(ip_to_string(n->d.iPAddress));
    }
    GENERAL_NAMES_free(names);
}

std::chrono::system_clock::time_point to_time_point(const ASN1_TIME* t) {
    std::tm tm{};
    if (ASN1_TIME_to_tm(t, &tm) != 1) return {};
    return std::chrono::system_clock::from_time_t(::timegm(&tm));
}

std::string to_hex(const unsigned char* p, std::size_t n) {
    static const char digits[] = "0123456789abcdef";
    std::string s;
    s.reserve(n * 2);
    for (std::size_t i = 0; i < n; ++i) {
        s += digits[p[i] >> 4];
        s += digits[p[i] & 15];
    }
    return s;
}

}  // namespace

std::string name_to_string(const X509_NAME* name) {
    BIO* b = BIO_new(BIO_s_mem());
    if (!b) throw std::bad_alloc();
    X509_NAME_print_ex(b, name, 0, XN_FLAG_RFC2253);
    char* data = nullptr;
    long len = BIO_get_mem_data(b, &data);
    std::string s(data, static_cast<std::size_t>(len > 0 ? len : 0));
    BIO_free(b);
    return s;
}

std::vector<std::string> certificate_names(X509* cert) {
    std::vector<std::string> dns, ips;
    alt_names(cert, dns, ips);
    dns.insert(dns.end(), ips.begin(), ips.end());
    if (dns.empty()) {
        const X509_NAME* subject = X509_get_subject_name(cert);
        int i = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
        if (i >= 0) dns.push_back(asn1_string(X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, i))));
    }
    return dns;
}

tls_certificate_info summarize_certificate(X509* cert) {
    tls_certificate_info info;
    info.subject = name_to_string(X509_get_subject_name(cert));
    info.issuer = name_to_string(X509_get_issuer_name(cert));
    alt_names(cert, info.dns_names, info.ip_addresses);
    info.not_before = to_time_point(X509_get0_notBefore(cert));
    info.not_after = to_time_point(X509_get0_notAfter(cert));
    if (BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr)) {
        if (char* hex = BN_bn2hex(bn)) {
            info.serial_number = hex;
            OPENSSL_free(hex);
        }
        BN_free(bn);
    }
    std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
    unsigned int md_len = 0;
    if (X509_digest(cert, EVP_sha256(), md.data(), &md_len) == 1) info.sha256_fingerprint = to_hex(md.data(), md_len);
    return info;
}

}  // namespace weft::net::detail
