// errors.hpp — OpenSSL's error queue in words. Internal to net/src/tls.
//
// OpenSSL keeps failures in a per-thread queue. Every engine call clears it first and reads
// it before returning, on the same thread and without suspending, so a message never
// mixes two connections' failures.
#pragma once

#include <string>

namespace weft::net::detail {

// The reasons in the queue, oldest first, joined by "; " (empty if none); drains it.
std::string take_openssl_errors();

// The oldest error's library and reason code (0, 0 if none); leaves the queue alone.
struct openssl_error_code {
    int lib = 0;
    int reason = 0;
};
openssl_error_code peek_openssl_error();

}  // namespace weft::net::detail
