// weft/net/tls_error.hpp — the exceptions TLS contexts and streams throw.
//
// Every message carries OpenSSL's reason in words and says what was attempted with whom,
// never a bare error code:
//   - tls_error:          any TLS failure ("TLS handshake with 127.0.0.1:50312: wrong
//                         version number", "TLS read from example.test: decryption failed
//                         or bad record mac");
//   - tls_context_error:  a tls_context setting or file was rejected; names the file or the
//                         value ("tls_context: certificate chain file '/etc/x.pem': No such
//                         file or directory");
//   - tls_verify_error:   the peer's certificate failed verification ("certificate verify
//                         failed: self-signed certificate", "certificate verify failed:
//                         hostname mismatch: expected example.test, certificate for
//                         other.test"); reason() is the part after "certificate verify
//                         failed: ";
//   - tls_truncated_error: the peer closed the transport without close_notify, so the end
//                         of the data cannot be told from a cut (tls_context::
//                         set_ignore_unexpected_eof turns this into a plain end of stream);
//   - tls_timeout_error:  tls_stream::handshake(timeout) ran out of time ("TLS handshake with
//                         example.test: handshake timed out after 5000 ms"). It derives from
//                         weft::timeout_error, as tcp_stream::connect's timeout does, so one
//                         catch sees every timeout.
// A failed system call of the transport stays a weft::system_error (ECONNRESET...).
//
//   try {
//       co_await tls.handshake(5s);
//   } catch (const weft::net::tls_verify_error& e) {
//       log("untrusted peer: {}", e.reason());
//   }
//
// Thread safety: exception objects are immutable after construction.
#pragma once

#include <string>
#include <utility>

#include <weft/error.hpp>

namespace weft::net {

class tls_error : public weft::error {
public:
    using weft::error::error;
};

class tls_context_error : public tls_error {
public:
    using tls_error::tls_error;
};

// The peer's certificate failed verification; reason() says why.
class tls_verify_error : public tls_error {
public:
    // what: the whole message; reason: why verification failed (the part after "certificate verify failed: ").
    tls_verify_error(const std::string& what, std::string reason) : tls_error(what), reason_(std::move(reason)) {}
    // "self-signed certificate", "certificate has expired", "hostname mismatch: ...".
    const std::string& reason() const noexcept { return reason_; }

private:
    std::string reason_;
};

class tls_truncated_error : public tls_error {
public:
    using tls_error::tls_error;
};

// A TLS handshake ran out of time; a weft::timeout_error, as a connect timeout is.
class tls_timeout_error : public weft::timeout_error {
public:
    // what: the message ("TLS handshake with example.test: handshake timed out after 5000 ms").
    explicit tls_timeout_error(std::string what) : what_(std::move(what)) {}
    // The message given to the constructor.
    const char* what() const noexcept override { return what_.c_str(); }

private:
    std::string what_;
};

}  // namespace weft::net
