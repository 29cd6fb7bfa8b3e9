// fuzz_http.cpp — libFuzzer target for detail::http1_parser: requests and responses, fed in
// pieces the way a connection reads them, with consumed body bytes dropped the way the
// server and client drop them. The first input byte picks the kind (bit 0) and the piece
// size (bits 1-7); the rest is the stream. Checked on every event: the parser consumes
// only what it was given, every span it reports lies inside the bytes, and nothing it does
// reads outside them (ASan, UBSan).
//
//   scripts/fuzz.sh 60        (builds build-fuzz with clang and runs this for 60 s)
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include <weft/http/detail/http1_parser.hpp>

using weft::http::detail::http1_parser;
using weft::http::detail::parse_event;
using weft::http::detail::parser_limits;

namespace {

void check(bool ok) {
    if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    const auto kind = (data[0] & 1) ? http1_parser::kind::response : http1_parser::kind::request;
    const std::size_t step = (data[0] >> 1) + 1;
    const std::string in(reinterpret_cast<const char*>(data + 1), size - 1);
    parser_limits limits;
    limits.max_target = 256;
    limits.max_header_bytes = 1024;
    limits.max_header_count = 16;
    http1_parser p(kind, limits);
    std::string buf;
    std::size_t msg = 0, pos = 0, fed = 0;
    for (int events = 0; events < 100000; ++events) {
        if (pos == buf.size()) {
            if (fed == in.size()) {
                p.finish();
                return 0;
            }
            const std::size_t n = std::min(step, in.size() - fed);
            buf.append(in, fed, n);
            fed += n;
        }
        const char* base = buf.data();
        const char* at = base + pos;
        const parse_event ev = p.parse(base + msg, at, base + buf.size());
        check(at >= base + pos && at <= base + buf.size());
        pos = static_cast<std::size_t>(at - base);
        const std::size_t have = buf.size() - msg;
        switch (ev) {
            case parse_event::need_more:
                check(pos == buf.size());
                break;
            case parse_event::headers:
                check(p.header_bytes() <= have && p.header_bytes() <= limits.max_header_bytes);
                check(p.target().end() <= p.header_bytes());
                check(p.fields().size() <= limits.max_header_count);
                for (auto f : p.fields()) check(f.name.end() <= p.header_bytes() && f.value.end() <= p.header_bytes());
                break;
            case parse_event::body: {
                auto piece = p.body_piece();
                const auto* b = reinterpret_cast<const std::byte*>(base);
                check(piece.data() >= b + msg && piece.data() + piece.size() <= b + buf.size());
                // Drop what was consumed, as the connections do when their buffer is full.
                const std::size_t head_end = msg + p.header_bytes();
                const auto keep = static_cast<std::size_t>(msg + p.keep_from(static_cast<std::uint32_t>(pos - msg)));
                if (keep > head_end && (pos & 3) == 0) {
                    buf.erase(head_end, keep - head_end);
                    p.body_bytes_dropped(static_cast<std::uint32_t>(keep - head_end));
                    pos -= keep - head_end;
                }
                break;
            }
            case parse_event::done:
                msg = pos;
                break;
            case parse_event::error:
                check(p.error_status() >= 400 && p.error_status() <= 505 && !p.error_message().empty());
                return 0;
        }
    }
    return 0;
}
