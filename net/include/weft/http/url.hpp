// weft/http/url.hpp — url: an absolute http(s) URL, parsed by http-parser's URL parser
// (http_parser_parse_url), and reference resolution for redirects (RFC 3986 5.2).
//
//   auto u = weft::http::url::parse("http://example.com:8080/a/b?x=1");
//   u.host();        // "example.com"
//   u.port();        // 8080 (80 / 443 when the URL has none)
//   u.target();      // "/a/b?x=1": what goes in the request line
//   u.resolve("../c").str();   // "http://example.com:8080/c"
//
// parse() throws url_error naming the URL for anything it cannot use: not absolute, no
// host, a port out of range, spaces or control characters. The scheme and host are
// lowercased; the path and query are kept as given (not percent-decoded); a fragment is
// dropped (it is never sent). IPv6 hosts are written in brackets: "http://[::1]:8080/".
//
// Cancellation: nothing here waits. Thread safety: a url is a value.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace weft::http {

// An absolute URL ("https://example.test:8443/p?q=1"), split into its parts.
class url {
public:
    // Parses text. Throws url_error if it is not an absolute URL with a host and a known or given port.
    static url parse(std::string_view text);

    // The scheme, lowercase.
    const std::string& scheme() const noexcept { return scheme_; }  // "http", "https", ...
    // The host name or IP literal.
    const std::string& host() const noexcept { return host_; }  // without brackets
    // The port (the scheme's default if none was given).
    std::uint16_t port() const noexcept { return port_; }
    // The path, not percent-decoded.
    const std::string& path() const noexcept { return path_; }  // "/" at least
    // The query, not percent-decoded.
    const std::string& query() const noexcept { return query_; }  // without the '?'
    // path and query, for the request line.
    std::string target() const;
    // host[:port] as the Host field carries it (the port only when not the scheme's default).
    std::string authority() const;
    // scheme://authority/target.
    std::string str() const;

    // The URL a reference (a Location field's value) leads to from this one.
    url resolve(std::string_view reference) const;

    // Equal if every part is.
    friend bool operator==(const url&, const url&) = default;

private:
    std::string scheme_, host_, path_, query_;
    std::uint16_t port_ = 0;
};

}  // namespace weft::http
