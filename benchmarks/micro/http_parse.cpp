// http_parse.cpp — what parsing costs per request: detail::http1_parser (http-parser plus
// weft's checks, the fields recorded) against http-parser alone with no callbacks, on the
// request wrk sends in W8 and on a browser-like one; and writing the W8 response's head.
#include <http_parser.h>

#include <string>

#include <weft/http/detail/http1_parser.hpp>

#include "micro.hpp"

namespace weft::micro {
namespace {

const std::string wrk_request = "GET / HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n";
const std::string browser_request =
    "GET /static/css/site.css?v=12 HTTP/1.1\r\nHost: www.example.com\r\n"
    "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:109.0) Gecko/20100101 Firefox/115.0\r\n"
    "Accept: text/css,*/*;q=0.1\r\nAccept-Language: en-US,en;q=0.5\r\nAccept-Encoding: gzip, deflate, br\r\n"
    "Connection: keep-alive\r\nReferer: https://www.example.com/\r\nCookie: session=0123456789abcdef\r\n"
    "Sec-Fetch-Dest: style\r\nSec-Fetch-Mode: no-cors\r\nSec-Fetch-Site: same-origin\r\n\r\n";

// One request: its head, then its end, as the server connection does.
void BM_http1_parser(benchmark::State& state, const std::string* req) {
    http::detail::http1_parser p(http::detail::http1_parser::kind::request, {});
    for (auto _ : state) {
        const char* pos = req->data();
        const char* end = pos + req->size();
        auto ev = p.parse(req->data(), pos, end);
        benchmark::DoNotOptimize(ev);
        benchmark::DoNotOptimize(p.fields().size());
        ev = p.parse(req->data(), pos, end);
        if (ev != http::detail::parse_event::done) state.SkipWithError("not done");
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK_CAPTURE(BM_http1_parser, wrk_request, &wrk_request);
BENCHMARK_CAPTURE(BM_http1_parser, browser_request, &browser_request);

// http-parser alone: no callbacks, nothing recorded.
void BM_http_parser_bare(benchmark::State& state, const std::string* req) {
    http_parser p;
    http_parser_settings s;
    http_parser_settings_init(&s);
    http_parser_init(&p, HTTP_REQUEST);
    for (auto _ : state) {
        std::size_t n = http_parser_execute(&p, &s, req->data(), req->size());
        if (n != req->size()) state.SkipWithError("parse error");
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK_CAPTURE(BM_http_parser_bare, wrk_request, &wrk_request);
BENCHMARK_CAPTURE(BM_http_parser_bare, browser_request, &browser_request);

}  // namespace
}  // namespace weft::micro
