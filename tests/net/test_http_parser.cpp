// test_http_parser.cpp — detail::http1_parser on its own (no sockets): the same result
// whatever way the bytes are split, pipelined messages one at a time, the limits at their
// boundary, the buffer moved between calls, responses.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <weft/http/detail/http1_parser.hpp>

namespace weft::http::detail {
namespace {

// Everything the parser reported for a byte stream, as text: one line per event.
std::string trace(http1_parser::kind k, const std::string& in, std::size_t step, parser_limits limits = {}) {
    http1_parser p(k, limits);
    std::string buf;  // grows as bytes "arrive": offsets must survive the moves
    std::string out;
    std::size_t msg = 0, pos = 0, fed = 0;
    while (true) {
        if (pos == buf.size()) {
            if (fed == in.size()) {
                const char* at = buf.data() + pos;
                if (p.parse(buf.data() + msg, at, at) == parse_event::done) {  // one pending with the head
                    out += "done\n";
                    msg = pos;
                    continue;
                }
                auto ev = p.finish();
                if (ev == parse_event::done)
                    out += "done(eof)\n";
                else if (ev == parse_event::error)
                    out += "error " + std::to_string(p.error_status()) + "\n";
                return out;
            }
            const std::size_t n = std::min(step, in.size() - fed);
            buf.append(in, fed, n);  // may reallocate
            fed += n;
        }
        const char* base = buf.data();
        const char* at = base + pos;
        auto ev = p.parse(base + msg, at, base + buf.size());
        pos = static_cast<std::size_t>(at - base);
        switch (ev) {
            case parse_event::need_more:
                break;
            case parse_event::headers: {
                out += k == http1_parser::kind::request ? std::string(p.method_name()) + " " +
                                                              std::string(base + msg + p.target().off, p.target().len)
                                                        : std::to_string(p.status());
                for (auto f : p.fields())
                    out += " [" + std::string(base + msg + f.name.off, f.name.len) + ":" +
                           std::string(base + msg + f.value.off, f.value.len) + "]";
                out += p.keep_alive() ? " ka\n" : " close\n";
                break;
            }
            case parse_event::body: {
                auto b = p.body_piece();
                out += "body " + std::string(reinterpret_cast<const char*>(b.data()), b.size()) + "\n";
                break;
            }
            case parse_event::done:
                out += "done\n";
                msg = pos;
                break;
            case parse_event::error:
                return out + "error " + std::to_string(p.error_status()) + "\n";
        }
    }
}

// Body pieces depend on how the bytes arrive: consecutive ones are joined to compare.
std::string joined(const std::string& t) {
    std::string out;
    bool prev_body = false;
    for (std::size_t i = 0; i < t.size();) {
        const std::size_t e = t.find('\n', i);
        const std::string line = t.substr(i, e - i);
        const bool body = line.starts_with("body ");
        if (body && prev_body) {
            out.pop_back();
            out += line.substr(5) + "\n";
        } else {
            out += line + "\n";
        }
        prev_body = body;
        i = e + 1;
    }
    return out;
}

const std::string pipelined =
    "GET /a HTTP/1.1\r\nHost: h\r\n\r\n"
    "POST /b?x HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\nX-Trim: v  \r\n\r\nhello world"
    "PUT /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nT: "
    "x\r\n\r\n"
    "GET /d HTTP/1.0\r\n\r\n";

TEST(http1_parser, gives_the_same_messages_however_the_bytes_are_split) {
    const std::string whole = trace(http1_parser::kind::request, pipelined, pipelined.size());
    EXPECT_EQ(whole,
              "GET /a [Host:h] ka\ndone\n"
              "POST /b?x [Host:h] [Content-Length:11] [X-Trim:v] ka\nbody hello world\ndone\n"
              "PUT /c [Host:h] [Transfer-Encoding:chunked] ka\nbody hello\nbody  world\ndone\n"
              "GET /d close\ndone\n");
    for (std::size_t step = 1; step < 40; ++step)
        EXPECT_EQ(joined(trace(http1_parser::kind::request, pipelined, step)), joined(whole)) << "step " << step;
}

TEST(http1_parser, enforces_limits_at_their_boundary) {
    parser_limits l;
    l.max_target = 10;
    l.max_header_count = 2;
    l.max_header_bytes = 60;
    auto status = [&](const std::string& in) {
        std::string t = trace(http1_parser::kind::request, in, 7, l);
        auto e = t.find("error ");
        return e == std::string::npos ? std::string("ok") : t.substr(e + 6, 3);
    };
    EXPECT_EQ(status("GET /123456789 HTTP/1.1\r\nHost: h\r\n\r\n"), "ok");  // 10 bytes
    EXPECT_EQ(status("GET /1234567890 HTTP/1.1\r\nHost: h\r\n\r\n"), "414");
    EXPECT_EQ(status("GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\n\r\n"), "ok");
    EXPECT_EQ(status("GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\n\r\n"), "431");
    EXPECT_EQ(status("GET / HTTP/1.1\r\nHost: h\r\nA: " + std::string(28, 'a') + "\r\n\r\n"), "ok");  // 60
    EXPECT_EQ(status("GET / HTTP/1.1\r\nHost: h\r\nA: " + std::string(29, 'a') + "\r\n\r\n"), "431");
    EXPECT_EQ(status("GET / HTTP/1.1\r\nHost: h\r\nA: " + std::string(500, 'a')), "431");  // never completes
}

TEST(http1_parser, parses_responses_leniently_about_line_ends) {
    EXPECT_EQ(joined(trace(http1_parser::kind::response,
                           "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi"
                           "HTTP/1.1 100 Continue\r\n\r\n"
                           "HTTP/1.1 204 No Content\r\nContent-Length: 9\r\n\r\n"
                           "HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n2\r\nab\r\n0\r\n\r\n"
                           "HTTP/1.0 200 OK\r\n\r\nto the end",
                           5)),
              "200 [Content-Length:2] ka\nbody hi\ndone\n"
              "100 ka\ndone\n"
              "204 [Content-Length:9] ka\ndone\n"
              "200 [Transfer-Encoding:chunked] ka\nbody ab\ndone\n"
              "200 close\nbody to the end\ndone(eof)\n");
}

TEST(http1_parser, reports_a_message_cut_short) {
    EXPECT_EQ(trace(http1_parser::kind::request, "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nab", 100),
              "POST / [Host:h] [Content-Length:5] ka\nbody ab\nerror 400\n");
    EXPECT_EQ(trace(http1_parser::kind::request, "GET / HTTP/1.1\r\nHo", 100), "error 400\n");
    EXPECT_EQ(trace(http1_parser::kind::request, "", 100), "");  // nothing started: a clean end
}

TEST(http1_parser, knows_reason_phrases) {
    EXPECT_EQ(reason_phrase(200), "OK");
    EXPECT_EQ(reason_phrase(404), "Not Found");
    EXPECT_EQ(reason_phrase(413), "Content Too Large");
    EXPECT_EQ(reason_phrase(431), "Request Header Fields Too Large");
    EXPECT_EQ(reason_phrase(299), "Unknown");
}

}  // namespace
}  // namespace weft::http::detail
