// test_http_limits.cpp — what the server refuses, over real connections: every limit of
// server_limits with its status, and the malformed and request-smuggling cases of RFC 9112,
// each answered 400 (or 413/414/417/431/501/505) with the connection closed.
#include <gtest/gtest.h>

#include <weft/http/router.hpp>

#include "http_test_support.hpp"

namespace weft::test {
namespace {

class http_limits : public io_test {};
WEFT_IO_TEST_SUITE(http_limits);

struct refused_case {
    const char* name;
    std::string request;
    const char* status_line;  // what the server must answer
};

// Each request is sent on its own connection; the server must answer with the status and
// close the connection (nothing after the one response), and the handler must not run for it.
void expect_refused(runtime& rt, const std::vector<refused_case>& cases, http::server_options opts = {}) {
    rt.block_on(with_server(echo_handler, std::move(opts), [&cases](std::uint16_t port, http::server&) -> task<void> {
        for (const refused_case& c : cases) {
            std::string got = co_await raw_exchange(port, c.request);
            EXPECT_TRUE(got.starts_with(c.status_line)) << c.name << ":\n" << got;
            EXPECT_NE(got.find("Connection: close\r\n"), std::string::npos) << c.name;
            EXPECT_EQ(count_of(got, "\nHTTP/1.1 "), 0u) << c.name << ": one response, then the close\n" << got;
            EXPECT_EQ(got.find("POST /"), std::string::npos) << c.name << ": the handler ran\n" << got;
        }
    }));
}

const std::string head = "POST /x HTTP/1.1\r\nHost: h\r\n";

TEST_P(http_limits, rejects_request_smuggling) {
    runtime rt(config(2));
    expect_refused(
        rt,
        {
            {"Content-Length with Transfer-Encoding (CL.TE)",
             head + "Content-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nG", "HTTP/1.1 400 "},
            {"Transfer-Encoding with Content-Length (TE.CL)",
             head + "Transfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n5c\r\nGPOST / HTTP/1.1\r\n\r\n0\r\n\r\n",
             "HTTP/1.1 400 "},
            {"duplicate Content-Length, same value", head + "Content-Length: 5\r\nContent-Length: 5\r\n\r\nhello",
             "HTTP/1.1 400 "},
            {"duplicate Content-Length, different values",
             head + "Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!", "HTTP/1.1 400 "},
            {"Content-Length list", head + "Content-Length: 5, 5\r\n\r\nhello", "HTTP/1.1 400 "},
            {"Content-Length not a number", head + "Content-Length: 5x\r\n\r\nhello", "HTTP/1.1 400 "},
            {"Content-Length negative", head + "Content-Length: -1\r\n\r\n", "HTTP/1.1 400 "},
            {"Content-Length with a sign", head + "Content-Length: +5\r\n\r\nhello", "HTTP/1.1 400 "},
            {"Content-Length empty", head + "Content-Length:\r\n\r\n", "HTTP/1.1 400 "},
            {"Content-Length overflowing", head + "Content-Length: 99999999999999999999999\r\n\r\n", "HTTP/1.1 400 "},
            {"two Transfer-Encoding fields (TE.TE)",
             head + "Transfer-Encoding: chunked\r\nTransfer-Encoding: x\r\n\r\n0\r\n\r\n", "HTTP/1.1 400 "},
            // RFC 9112 6.3: chunked not last in a request is a 400 (an unknown coding is a 501).
            {"Transfer-Encoding with chunked not last", head + "Transfer-Encoding: chunked, identity\r\n\r\n",
             "HTTP/1.1 400 "},
            {"Transfer-Encoding we do not decode", head + "Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
             "HTTP/1.1 501 "},
            {"Transfer-Encoding in HTTP/1.0",
             "POST /x HTTP/1.0\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", "HTTP/1.1 400 "},
            {"whitespace before the colon", head + "Transfer-Encoding : chunked\r\n\r\n0\r\n\r\n", "HTTP/1.1 400 "},
            {"obs-fold", head + "X-A: 1\r\n folded\r\nContent-Length: 0\r\n\r\n", "HTTP/1.1 400 "},
            {"obs-fold after an empty value", head + "X-A:\r\n\tfolded\r\n\r\n", "HTTP/1.1 400 "},
            {"obs-fold hiding Transfer-Encoding", head + "X-A: 1\r\n Transfer-Encoding: chunked\r\n\r\n",
             "HTTP/1.1 400 "},
            {"bare LF after the request line", "POST /x HTTP/1.1\nHost: h\r\n\r\n", "HTTP/1.1 400 "},
            {"bare LF after a field", head + "X-A: 1\nContent-Length: 0\r\n\r\n", "HTTP/1.1 400 "},
            {"bare LF ending the head", head + "Content-Length: 0\r\n\n", "HTTP/1.1 400 "},
            {"bare LF in a chunk extension", head + "Transfer-Encoding: chunked\r\n\r\n5;a\nb\r\nhello\r\n0\r\n\r\n",
             "HTTP/1.1 400 "},
            {"bare LF ending the trailers", head + "Transfer-Encoding: chunked\r\n\r\n0\r\n\n", "HTTP/1.1 400 "},
            {"chunk data without CRLF", head + "Transfer-Encoding: chunked\r\n\r\n5\r\nhelloXX0\r\n\r\n",
             "HTTP/1.1 400 "},
            {"chunk size line ended by CR x", head + "Transfer-Encoding: chunked\r\n\r\n5\rxhello\r\n0\r\n\r\n",
             "HTTP/1.1 400 "},
            {"bad chunk size", head + "Transfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n", "HTTP/1.1 400 "},
            {"bare CR", "POST /x HTTP/1.1\rHost: h\r\n\r\n", "HTTP/1.1 400 "},
            {"NUL in a value", head + std::string("X-A: a\0b\r\n\r\n", 12), "HTTP/1.1 400 "},
            {"control character in a value",
             head + "X-A: a\x01"
                    "b\r\n\r\n",
             "HTTP/1.1 400 "},
        });
}

TEST_P(http_limits, rejects_malformed_request_lines_and_heads) {
    runtime rt(config(1));
    expect_refused(rt, {
                           {"no Host in HTTP/1.1", "POST /x HTTP/1.1\r\n\r\n", "HTTP/1.1 400 "},
                           {"two Host fields", head + "Host: other\r\n\r\n", "HTTP/1.1 400 "},
                           {"lowercase method", "post /x HTTP/1.1\r\nHost: h\r\n\r\n", "HTTP/1.1 400 "},
                           {"two spaces", "POST  /x HTTP/1.1\r\nHost: h\r\n\r\n", "HTTP/1.1 400 "},
                           {"space in the target", "POST /x y HTTP/1.1\r\nHost: h\r\n\r\n", "HTTP/1.1 400 "},
                           {"tab in the target", "POST /x\ty HTTP/1.1\r\nHost: h\r\n\r\n", "HTTP/1.1 400 "},
                           {"not HTTP", "POST /x HTTX/1.1\r\nHost: h\r\n\r\n", "HTTP/1.1 400 "},
                           {"HTTP/0.9 style", "POST /x\r\n\r\n", "HTTP/1.1 400 "},
                           {"HTTP/2.0", "POST /x HTTP/2.0\r\nHost: h\r\n\r\n", "HTTP/1.1 505 "},
                           {"space in a field name", head + "X Y: 1\r\n\r\n", "HTTP/1.1 400 "},
                           {"unknown expectation", head + "Expect: tea\r\nContent-Length: 0\r\n\r\n", "HTTP/1.1 417 "},
                           {"CONNECT", "CONNECT h:443 HTTP/1.1\r\nHost: h:443\r\n\r\n", "HTTP/1.1 501 "},
                       });
}

TEST_P(http_limits, enforces_the_size_limits) {
    runtime rt(config(2));
    http::server_options o;
    o.limits.max_target = 100;
    o.limits.max_header_bytes = 1024;
    o.limits.max_header_count = 10;
    o.limits.max_body_bytes = 1000;
    std::string fields;
    for (int i = 0; i < 11; ++i) fields += "X-" + std::to_string(i) + ": v\r\n";
    expect_refused(
        rt,
        {
            {"request-target too long", "GET /" + std::string(200, 'a') + " HTTP/1.1\r\nHost: h\r\n\r\n",
             "HTTP/1.1 414 "},
            {"header section too large", head + "X-Big: " + std::string(2000, 'b') + "\r\n\r\n", "HTTP/1.1 431 "},
            {"too many fields", head + fields + "\r\n", "HTTP/1.1 431 "},
            {"Content-Length over the limit", head + "Content-Length: 2000\r\n\r\n" + std::string(2000, 'c'),
             "HTTP/1.1 413 "},
            // The client is still sending a large body when the 413 comes: the
            // lingering close lets it read the answer instead of a reset.
            {"large body refused", head + "Content-Length: 4000000\r\n\r\n" + std::string(4000000, 'd'),
             "HTTP/1.1 413 "},
        },
        o);
}

// A chunked body has no length up front: the limit is found while the handler reads.
TEST_P(http_limits, chunked_body_over_the_limit_is_413) {
    runtime rt(config(2));
    http::server_options o;
    o.limits.max_body_bytes = 1000;
    rt.block_on(with_server(echo_handler, o, [](std::uint16_t port, http::server&) -> task<void> {
        std::string body;
        for (int i = 0; i < 20; ++i) body += "64\r\n" + std::string(100, 'e') + "\r\n";
        std::string got = co_await raw_exchange(port, head + "Transfer-Encoding: chunked\r\n\r\n" + body + "0\r\n\r\n");
        EXPECT_TRUE(got.starts_with("HTTP/1.1 413 Content Too Large\r\n")) << got;
        EXPECT_NE(got.find("Connection: close\r\n"), std::string::npos);
        // Under the limit it is read whole.
        std::string small =
            co_await raw_exchange(port, head + "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n" +
                                            body.substr(0, 5 * 106) + "0\r\n\r\n");
        EXPECT_TRUE(small.ends_with(
            "POST /x  500 " + std::to_string(checksum(std::as_bytes(std::span(std::string(500, 'e').data(), 500))))))
            << small;
    }));
}

// The limits' values are checked when the server is made.
TEST(http_limits_config, rejects_bad_values) {
    http::server_options o;
    o.limits.header_timeout = std::chrono::milliseconds(0);
    EXPECT_THROW(http::server(hello_handler, o), config_error);
    http::server_options p;
    p.limits.max_header_bytes = 10;
    EXPECT_THROW(http::server(hello_handler, p), config_error);
    http::server_options q;
    q.server_name = "weft\r\nX-Injected: 1";
    EXPECT_THROW(http::server(hello_handler, q), config_error);
    EXPECT_THROW(http::server(http::handler{}), weft::error);
}

}  // namespace
}  // namespace weft::test
