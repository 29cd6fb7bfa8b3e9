// errors.cpp — OpenSSL's error queue in words (errors.hpp).
#include "errors.hpp"

#include <openssl/err.h>

#include <array>

namespace weft::net::detail {

std::string take_openssl_errors() {
    std::string out;
    while (unsigned long e = ERR_get_error()) {
        std::string one;
        if (const char* r = ERR_reason_error_string(e)) {
            one = r;
        } else {
            std::array<char, 256> buf{};
            ERR_error_string_n(e, buf.data(), buf.size());
            one = buf.data();
        }
        if (out.find(one) != std::string::npos) continue;  // the same reason twice says nothing
        if (!out.empty()) out += "; ";
        out += one;
    }
    return out;
}

openssl_error_code peek_openssl_error() {
    unsigned long e = ERR_peek_error();
    if (e == 0) return {};
    return {ERR_GET_LIB(e), ERR_GET_REASON(e)};
}

}  // namespace weft::net::detail
