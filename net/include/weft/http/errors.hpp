// weft/http/errors.hpp — the exceptions of weft::http, each a weft::error.
//
//   status_error   an error that is an HTTP status: thrown by a handler (or by a request
//                  body read: 413 past the limit, 400 for a malformed body), the server
//                  answers with that status — aiohttp's web.HTTPNotFound & co.
//   client_error   a client request failed; what() names the method, the URL and what
//                  failed ("GET http://127.0.0.1:9/: connect: Connection refused"); kind()
//                  says which step.
//   url_error      a URL that cannot be parsed or used.
//   header_error   a header field name or value that cannot be sent (not a token, CR/LF).
//
//   try { auto r = co_await client.get(url); }
//   catch (const weft::http::client_error& e) { if (e.kind() == client_error::timeout) ...; }
//
// Cancellation: these are never thrown for a cancellation (that stays weft::cancelled_error).
// Thread safety: exception objects are immutable after construction.
#pragma once

#include <string>
#include <utility>

#include <weft/error.hpp>

namespace weft::http {

// Thrown by a handler: the server answers with that status and the message as a text/plain body.
class status_error : public weft::error {
public:
    // status: 400-599. message: sent as the response body (text/plain).
    status_error(unsigned status, const std::string& message) : weft::error(message), status_(status) {}
    // The status code (400-599).
    unsigned status() const noexcept { return status_; }

private:
    unsigned status_;
};

// A request of http::client failed: kind() says how; what() is "METHOD URL: reason".
class client_error : public weft::error {
public:
    // How the request failed.
    enum kind_t {
        invalid_url,         // the URL (or a redirect's Location) cannot be parsed
        connect,             // resolving or connecting
        tls,                 // the TLS handshake of an https:// URL (verification failed...)
        timeout,             // a connect, request or total timeout passed
        send,                // writing the request
        receive,             // reading the response (reset, closed early)
        malformed_response,  // the response is not valid HTTP/1.1
        too_many_redirects,  // more than client_options::max_redirects
        unsupported_scheme,  // neither http:// nor https://
        body_too_large,      // longer than client_options::max_body_bytes
    };
    // A failure of kind k of `method url`; reason says what failed.
    client_error(kind_t k, std::string method, std::string url, std::string reason)
        : weft::error(describe(method, url, reason)),
          kind_(k),
          method_(std::move(method)),
          url_(std::move(url)),
          reason_(std::move(reason)) {}
    // How the request failed.
    kind_t kind() const noexcept { return kind_; }
    // The request's method.
    const std::string& method() const noexcept { return method_; }
    // The request's URL (the redirect's target if a redirect failed).
    const std::string& url() const noexcept { return url_; }
    // What failed, without the method and URL ("connect: Connection refused").
    const std::string& reason() const noexcept { return reason_; }

private:
    static std::string describe(const std::string& method, const std::string& url, const std::string& reason) {
        std::string s;
        s.reserve(method.size() + url.size() + reason.size() + 3);
        s.append(method).append(" ").append(url).append(": ").append(reason);
        return s;
    }
    kind_t kind_;
    std::string method_, url_, reason_;
};

// Thrown by url::parse and url::resolve for text that is not a valid absolute URL.
class url_error : public weft::error {
public:
    // url: the text that was rejected; why: what is wrong with it.
    url_error(std::string url, const std::string& why) : weft::error(describe(url, why)), url_(std::move(url)) {}
    // The text that was rejected.
    const std::string& url() const noexcept { return url_; }

private:
    static std::string describe(const std::string& url, const std::string& why) {
        std::string s;
        s.reserve(url.size() + why.size() + 8);
        s.append("URL '").append(url).append("': ").append(why);
        return s;
    }
    std::string url_;
};

class header_error : public weft::error {
public:
    using weft::error::error;
};

}  // namespace weft::http
