// http1_parser.cpp — http-parser's callbacks and the checks it leaves out (see
// weft/http/detail/http1_parser.hpp).
//
// The callbacks pause the parser (http_parser_pause) at every event, so that
// http_parser_execute returns right there: after the header section (its final LF is left
// unconsumed; the parser re-reads it on resume), after each body piece, after each
// chunk-size line (to check it) and at the message's end. Pipelined messages are thus
// never parsed ahead of the one being handled.
#include <weft/http/detail/http1_parser.hpp>

#include <http_parser.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstring>

namespace weft::http::detail {

static_assert(sizeof(http_parser) <= 32 && alignof(http_parser) <= 8, "http1_parser::raw_ is too small");

namespace {

http_parser* hp(unsigned char* raw) noexcept { return reinterpret_cast<http_parser*>(raw); }
const http_parser* hp(const unsigned char* raw) noexcept { return reinterpret_cast<const http_parser*>(raw); }

bool is_ows(char c) noexcept { return c == ' ' || c == '\t'; }

// RFC 9110 5.6.2: tchar.
constexpr auto tchar_table = [] {
    std::array<bool, 256> t{};
    for (int c = '0'; c <= '9'; ++c) t[c] = true;
    for (int c = 'a'; c <= 'z'; ++c) t[c] = t[c - 'a' + 'A'] = true;
    for (char c : std::string_view("!#$%&'*+-.^_`|~")) t[static_cast<unsigned char>(c)] = true;
    return t;
}();
bool is_token(std::string_view s) noexcept {
    if (s.empty()) return false;
    for (char c : s)
        if (!tchar_table[static_cast<unsigned char>(c)]) return false;
    return true;
}
bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

// Lenient (responses): the bytes before end are a line end and an empty line, each CRLF or LF.
bool ends_empty_line(const char* end) noexcept {
    const char* q = end - 1;
    if (*q != '\n') return false;
    if (*--q == '\r') --q;
    return *q == '\n';
}

char lower(char c) noexcept { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// Case-insensitive equality with a lowercase literal.
bool iequals(std::string_view s, std::string_view lower_lit) noexcept {
    if (s.size() != lower_lit.size()) return false;
    for (std::size_t i = 0; i < s.size(); ++i)
        if (lower(s[i]) != lower_lit[i]) return false;
    return true;
}

// The default limit of http-parser (HTTP_MAX_HEADER_SIZE) is 80 KiB, a process-wide
// setting; raised once if a parser is configured for more (ours is enforced per parser).
void ensure_library_limit(std::uint32_t needed) noexcept {
    static std::atomic<std::uint32_t> current{80 * 1024};
    std::uint32_t have = current.load(std::memory_order_relaxed);
    while (needed > have) {
        if (current.compare_exchange_weak(have, needed)) {
            http_parser_set_max_header_size(needed);
            return;
        }
    }
}

}  // namespace

struct parser_callbacks {
    static http1_parser& self(http_parser* p) noexcept { return *static_cast<http1_parser*>(p->data); }

    static int pause(http_parser* p, parse_event e) noexcept {
        http1_parser& s = self(p);
        s.pending_ = e;
        s.event_pending_ = true;
        http_parser_pause(p, 1);
        return 0;
    }

    static int on_message_begin(http_parser* p) noexcept {
        self(p).started_ = true;
        return 0;
    }

    // The request-target (requests) or the reason phrase (responses).
    static int on_target(http_parser* p, const char* at, std::size_t len) noexcept {
        http1_parser& s = self(p);
        if (s.target_.len == 0) s.target_.off = s.offset(at);
        s.target_.len += static_cast<std::uint32_t>(len);
        if (s.target_.len > s.limits_.max_target)
            return s.fail(s.kind_ == http1_parser::kind::request ? 414 : 400,
                          s.kind_ == http1_parser::kind::request
                              ? "request-target longer than " + std::to_string(s.limits_.max_target) + " bytes"
                              : "reason phrase longer than " + std::to_string(s.limits_.max_target) + " bytes");
        return 0;
    }

    static int on_header_field(http_parser* p, const char* at, std::size_t len) noexcept {
        http1_parser& s = self(p);
        const bool trailer = s.phase_ != http1_parser::phase::head;
        if (s.last_ == http1_parser::last_cb::field) {  // the same name, continued in new bytes
            if (!trailer) s.fields_[s.count_ - 1].name.len += static_cast<std::uint32_t>(len);
            return 0;
        }
        // A field line starts here, so the line before it ended here: with CRLF (responses:
        // a bare LF is accepted too, RFC 9112 2.2).
        if (at[-1] != '\n' || (s.kind_ == http1_parser::kind::request && at[-2] != '\r'))
            return s.fail(400, at[-1] == '\n' ? "bare LF as a line ending" : "CR not followed by LF");
        s.last_ = http1_parser::last_cb::field;
        if (trailer) {
            if (++s.trailer_count_ > s.limits_.max_header_count)
                return s.fail(431, "more than " + std::to_string(s.limits_.max_header_count) + " trailer fields");
            s.trailer_ = {{s.offset(at), static_cast<std::uint32_t>(len)}, {}};
            return 0;
        }
        if (s.count_ == s.limits_.max_header_count)
            return s.fail(431, "more than " + std::to_string(s.limits_.max_header_count) + " header fields");
        if (s.count_ == s.fields_.size()) s.fields_.emplace_back();
        s.fields_[s.count_++] = {{s.offset(at), static_cast<std::uint32_t>(len)}, {}};
        return 0;
    }

    static int on_header_value(http_parser* p, const char* at, std::size_t len) noexcept {
        http1_parser& s = self(p);
        const bool trailer = s.phase_ != http1_parser::phase::head;
        field_span& f = trailer ? s.trailer_ : s.fields_[s.count_ - 1];
        const std::uint32_t off = s.offset(at);
        if (s.last_ == http1_parser::last_cb::value) {
            // Bytes of the same value arrive adjacent; a piece elsewhere came after a line
            // break: obs-fold, which http-parser joins and RFC 9112 5.2 lets us reject.
            if (off != f.value.end()) return s.fail(400, "obsolete line folding in a header field");
            f.value.len += static_cast<std::uint32_t>(len);
            return 0;
        }
        s.last_ = http1_parser::last_cb::value;
        if (len > 0) {  // only SP/HTAB between the colon and the value (else a folded line)
            for (const char* q = s.msg_ + f.name.end() + 1; q < at; ++q)
                if (!is_ows(*q)) return s.fail(400, "obsolete line folding in a header field");
        }
        f.value = {off, static_cast<std::uint32_t>(len)};
        return 0;
    }

    static int on_headers_complete(http_parser* p) noexcept {
        http1_parser& s = self(p);
        s.last_ = http1_parser::last_cb::none;
        s.chunked_ = (p->flags & F_CHUNKED) != 0;
        if (p->flags & F_CONTENTLENGTH) s.content_length_ = p->content_length;
        s.keep_alive_ = http_should_keep_alive(p) != 0;
        s.phase_ = http1_parser::phase::body;
        bool no_body = false;
        if (s.kind_ == http1_parser::kind::response) {
            const unsigned st = p->status_code;
            no_body = s.no_body_ || (st >= 100 && st < 200) || st == 204 || st == 304;
            s.until_eof_ = !no_body && !s.chunked_ && !(p->flags & F_CONTENTLENGTH);
        }
        // A message without a body ends right here: no pause, its end pauses instead (one
        // http_parser_execute per such request, not two); parse() reports both events.
        const bool body = !no_body && (s.chunked_ || s.until_eof_ || s.content_length_.value_or(0) > 0);
        if (body)
            pause(p, parse_event::headers);
        else
            s.head_only_ = true;
        return no_body ? 1 : 0;  // 1: http-parser expects no body
    }

    static int on_body(http_parser* p, const char* at, std::size_t len) noexcept {
        http1_parser& s = self(p);
        s.body_at_ = reinterpret_cast<const std::byte*>(at);
        s.body_len_ = len;
        if (s.chunked_ && p->content_length == 0) {
            // The chunk's last bytes: its CRLF (checked by http-parser) and then a chunk-size line.
            s.line_start_ = static_cast<std::int64_t>(s.offset(at)) + static_cast<std::int64_t>(len) + 2;
            s.in_chunk_line_ = true;
            s.data_crlf_ = true;
        }
        return pause(p, parse_event::body);
    }

    static int on_message_complete(http_parser* p) noexcept { return pause(p, parse_event::done); }

    // Pauses so that parse() can check the size line it just ended.
    static int on_chunk_header(http_parser* p) noexcept {
        http1_parser& s = self(p);
        s.pending_ = parse_event::need_more;  // internal: the line is checked, parsing goes on
        s.event_pending_ = true;
        s.chunk_line_ = true;
        if (p->content_length == 0) s.phase_ = http1_parser::phase::trailers;
        http_parser_pause(p, 1);
        return 0;
    }
};

namespace {

const http_parser_settings& settings_for() noexcept {
    static const http_parser_settings s = [] {
        http_parser_settings v;
        http_parser_settings_init(&v);
        v.on_message_begin = &parser_callbacks::on_message_begin;
        v.on_url = &parser_callbacks::on_target;
        v.on_status = &parser_callbacks::on_target;
        v.on_header_field = &parser_callbacks::on_header_field;
        v.on_header_value = &parser_callbacks::on_header_value;
        v.on_headers_complete = &parser_callbacks::on_headers_complete;
        v.on_body = &parser_callbacks::on_body;
        v.on_message_complete = &parser_callbacks::on_message_complete;
        v.on_chunk_header = &parser_callbacks::on_chunk_header;
        return v;
    }();
    return s;
}

// http-parser's error, as a status and a sentence.
std::pair<unsigned, std::string> describe(http_errno e) {
    switch (e) {
        case HPE_HEADER_OVERFLOW:
            return {431, "header section too large"};
        case HPE_INVALID_VERSION:
            return {400, "invalid HTTP version"};
        case HPE_INVALID_METHOD:
            return {400, "invalid method"};
        case HPE_INVALID_URL:
            return {400, "invalid request-target"};
        case HPE_INVALID_TRANSFER_ENCODING:
            return {400, "Transfer-Encoding without chunked as the final coding"};
        case HPE_UNEXPECTED_CONTENT_LENGTH:
            return {400, "Content-Length together with Transfer-Encoding, or more than one Content-Length"};
        case HPE_INVALID_CONTENT_LENGTH:
            return {400, "invalid Content-Length"};
        case HPE_INVALID_CHUNK_SIZE:
            return {400, "invalid chunk size"};
        case HPE_LF_EXPECTED:
            return {400, "CR not followed by LF"};
        case HPE_INVALID_HEADER_TOKEN:
            return {400, "invalid character in a header field"};
        case HPE_CLOSED_CONNECTION:
            return {400, "data after a message that closed the connection"};
        default:
            return {400, http_errno_description(e)};
    }
}

}  // namespace

http1_parser::http1_parser(kind k, parser_limits limits) noexcept : kind_(k), limits_(limits) {
    start_message();
    http_parser_init(hp(raw_), k == kind::request ? HTTP_REQUEST : HTTP_RESPONSE);
    hp(raw_)->data = this;
    ensure_library_limit(limits.max_header_bytes);
}

void http1_parser::start_message() noexcept {
    phase_ = phase::head;
    head_only_ = false;
    last_ = last_cb::none;
    started_ = false;
    chunked_ = false;
    keep_alive_ = false;
    expect_continue_ = false;
    until_eof_ = false;
    in_chunk_line_ = false;
    target_ = {};
    count_ = 0;
    trailer_count_ = 0;
    header_end_ = 0;
    content_length_.reset();
}

bool http1_parser::fail(unsigned status, std::string message) noexcept {
    if (error_status_ == 0) {
        error_status_ = status;
        error_message_ = std::move(message);
    }
    return true;  // a nonzero callback result stops http-parser
}

std::int64_t http1_parser::keep_from(std::uint32_t pos) const noexcept {
    std::int64_t k = static_cast<std::int64_t>(pos) - 8;
    if (in_chunk_line_ || phase_ == phase::trailers) k = std::min<std::int64_t>(k, line_start_ - 2);
    return std::max<std::int64_t>(k, header_end_);
}

std::string_view http1_parser::method_name() const noexcept {
    return http_method_str(static_cast<http_method>(hp(raw_)->method));
}
unsigned http1_parser::method_code() const noexcept { return hp(raw_)->method; }
unsigned http1_parser::status() const noexcept { return hp(raw_)->status_code; }
unsigned http1_parser::version_major() const noexcept { return hp(raw_)->http_major; }
unsigned http1_parser::version_minor() const noexcept { return hp(raw_)->http_minor; }
bool http1_parser::is_connect() const noexcept { return kind_ == kind::request && hp(raw_)->method == HTTP_CONNECT; }

// The fields of a complete header section: trims their values and applies the rules
// http-parser does not. Returns true (with the error set) to reject the message; so do the
// other check_ functions.
bool http1_parser::check_head() noexcept {
    const http_parser* p = hp(raw_);
    unsigned hosts = 0, codings = 0;
    std::string_view coding;
    for (std::uint32_t i = 0; i < count_; ++i) {
        field_span& f = fields_[i];
        while (f.value.len > 0 && is_ows(msg_[f.value.end() - 1])) --f.value.len;
        std::string_view name(msg_ + f.name.off, f.name.len);
        std::string_view value(msg_ + f.value.off, f.value.len);
        if (!is_token(name)) return fail(400, "invalid header field name '" + std::string(name) + "'");
        switch (name.size()) {
            case 4:
                if (iequals(name, "host")) ++hosts;
                break;
            case 6:
                if (kind_ == kind::request && iequals(name, "expect")) {
                    if (!iequals(value, "100-continue")) return fail(417, "unsupported expectation");
                    expect_continue_ = true;
                }
                break;
            case 17:
                if (iequals(name, "transfer-encoding")) {
                    ++codings;
                    coding = value;
                }
                break;
            default:
                break;
        }
    }
    if (p->http_major != 1) return fail(505, "HTTP version not supported");
    if (codings > 1) return fail(400, "more than one Transfer-Encoding field");
    if (codings == 1 && !iequals(coding, "chunked"))
        return fail(501, "Transfer-Encoding '" + std::string(coding) + "' is not supported");
    if (kind_ == kind::response) return false;
    if (codings > 0 && p->http_minor == 0) return fail(400, "Transfer-Encoding in an HTTP/1.0 request");
    if (hosts > 1) return fail(400, "more than one Host field");
    if (hosts == 0 && p->http_minor >= 1) return fail(400, "no Host field in an HTTP/1.1 request");
    if (p->http_minor == 0) expect_continue_ = false;  // HTTP/1.0 clients do not wait for 100
    return false;
}

// A chunk-size line [line start, line_end) that http-parser accepted. The Debian build of
// http-parser is not HTTP_PARSER_STRICT, so it skips the two bytes after chunk data and
// the byte after a size line's CR unread: both must be CRLF. Its extensions are skipped
// unread too: control characters there (a bare LF, say) are rejected.
bool http1_parser::check_chunk_line(const char* line_end) noexcept {
    const char* q = msg_ + line_start_;
    in_chunk_line_ = false;
    last_ = last_cb::none;
    if (data_crlf_ && !(q[-2] == '\r' && q[-1] == '\n')) return fail(400, "chunk data not followed by CRLF");
    data_crlf_ = false;
    if (!(line_end[-2] == '\r' && line_end[-1] == '\n')) return fail(400, "chunk-size line not ended by CRLF");
    for (const char* e = line_end - 2; q < e; ++q) {
        auto c = static_cast<unsigned char>(*q);
        if ((c < 0x20 && c != '\t') || c == 0x7f) return fail(400, "control character in a chunk-size line");
    }
    if (phase_ == phase::trailers) line_start_ = offset(line_end);  // the trailer section starts
    return false;
}

// The start line, which the non-strict http-parser checks loosely: requests must be
// exactly `method SP request-target SP HTTP/d.d CRLF` with a target of visible characters;
// responses must start with "HTTP/".
bool http1_parser::check_start_line() noexcept {
    if (kind_ == kind::response) {
        const char* q = msg_;
        while (*q == '\r' || *q == '\n') ++q;
        if (std::memcmp(q, "HTTP/", 5) != 0) return fail(400, "status line does not start with HTTP/");
        return false;
    }
    const std::string_view method = method_name();
    if (target_.off < method.size() + 1 || target_.len == 0) return fail(400, "malformed request line");
    const char* t = msg_ + target_.off;
    if (t[-1] != ' ' || std::memcmp(t - 1 - method.size(), method.data(), method.size()) != 0)
        return fail(400, "malformed request line");
    for (std::uint32_t i = 0; i < target_.len; ++i) {
        auto c = static_cast<unsigned char>(t[i]);
        if (c <= 0x20 || c == 0x7f) return fail(400, "invalid character in the request-target");
    }
    const char* v = t + target_.len;  // " HTTP/1.1\r\n" follows, within the header section
    if (target_.end() + 11 > header_end_ || std::memcmp(v, " HTTP/", 6) != 0 || !is_digit(v[6]) || v[7] != '.' ||
        !is_digit(v[8]) || v[9] != '\r' || v[10] != '\n')
        return fail(400, "malformed request line");
    return false;
}

// A complete header section ending at `end` (just past its final LF): the checks, then
// chunked framing's start. False: rejected (the error is set).
bool http1_parser::end_of_head(const char* end) noexcept {
    header_end_ = offset(end);
    if (header_end_ > limits_.max_header_bytes)
        return !fail(431, "header section larger than " + std::to_string(limits_.max_header_bytes) + " bytes");
    const bool strict = kind_ == kind::request;
    if (strict ? std::memcmp(end - 4, "\r\n\r\n", 4) != 0 : !ends_empty_line(end))
        return !fail(400, "bare LF as a line ending");
    if (check_start_line() || check_head()) return false;
    if (chunked_) {
        line_start_ = header_end_;
        in_chunk_line_ = true;
    }
    return true;
}

parse_event http1_parser::parse(const char* msg, const char*& pos, const char* end) noexcept {
    if (error_status_ != 0) return parse_event::error;
    if (done_next_) {  // the end of a message without a body, found with its head
        done_next_ = false;
        start_message();
        return parse_event::done;
    }
    http_parser* p = hp(raw_);
    msg_ = msg;
    const bool strict = kind_ == kind::request;
    while (pos != end) {
        event_pending_ = false;
        chunk_line_ = false;
        const std::size_t n = http_parser_execute(p, &settings_for(), pos, static_cast<std::size_t>(end - pos));
        const auto err = static_cast<http_errno>(p->http_errno);
        if (err == HPE_OK) {
            pos = end;
            break;
        }
        if (err != HPE_PAUSED || !event_pending_) {
            if (error_status_ == 0) {
                auto [status, message] = describe(err);
                fail(status, std::move(message));
            }
            return parse_event::error;
        }
        http_parser_pause(p, 0);
        const char* stop = pos + n;
        pos = stop;
        if (chunk_line_) {
            if (check_chunk_line(stop)) return parse_event::error;
            continue;
        }
        switch (pending_) {
            case parse_event::headers:
                // http-parser stopped on the section's final LF (it re-reads it on resume).
                return end_of_head(stop + 1) ? parse_event::headers : parse_event::error;
            case parse_event::body:
                return parse_event::body;
            case parse_event::done:
                if (head_only_) {  // a message without a body: its head, and then at once its end
                    head_only_ = false;
                    if (!end_of_head(stop)) return parse_event::error;
                    done_next_ = true;
                    return parse_event::headers;
                }
                if (chunked_ && (strict ? std::memcmp(stop - 4, "\r\n\r\n", 4) != 0 : !ends_empty_line(stop)))
                    return fail(400, "bare LF as a line ending"), parse_event::error;
                start_message();
                return parse_event::done;
            default:
                return parse_event::error;
        }
    }
    // Everything consumed without an event: the limits on what is still incomplete.
    if (phase_ == phase::head && started_ && static_cast<std::size_t>(end - msg) > limits_.max_header_bytes)
        return fail(431, "header section larger than " + std::to_string(limits_.max_header_bytes) + " bytes"),
               parse_event::error;
    if (phase_ == phase::trailers &&
        static_cast<std::int64_t>(end - msg) - line_start_ > static_cast<std::int64_t>(limits_.max_header_bytes))
        return fail(431, "trailer section larger than " + std::to_string(limits_.max_header_bytes) + " bytes"),
               parse_event::error;
    if (in_chunk_line_ && static_cast<std::int64_t>(end - msg) - line_start_ > 4096)
        return fail(400, "chunk-size line longer than 4096 bytes"), parse_event::error;
    return parse_event::need_more;
}

parse_event http1_parser::finish() noexcept {
    if (error_status_ != 0) return parse_event::error;
    if (done_next_) {
        done_next_ = false;
        start_message();
        return parse_event::done;
    }
    if (!started_) return parse_event::need_more;
    http_parser* p = hp(raw_);
    if (phase_ == phase::body && until_eof_) {
        event_pending_ = false;
        http_parser_execute(p, &settings_for(), nullptr, 0);
        if (p->http_errno == HPE_PAUSED && event_pending_ && pending_ == parse_event::done) {
            http_parser_pause(p, 0);
            start_message();
            return parse_event::done;
        }
    }
    fail(400, "the connection closed in the middle of a message");
    return parse_event::error;
}

std::string_view reason_phrase(unsigned status) noexcept {
    switch (status) {  // RFC 9110's names where they differ from http-parser's, and its additions
        case 413:
            return "Content Too Large";
        case 418:
            return "I'm a teapot";
        case 422:
            return "Unprocessable Content";
        case 425:
            return "Too Early";
        default:
            break;
    }
    switch (status) {
#define WEFT_HTTP_REASON(num, name, string) \
    case num:                               \
        return #string;
        HTTP_STATUS_MAP(WEFT_HTTP_REASON)
#undef WEFT_HTTP_REASON
        default:
            return "Unknown";
    }
}

}  // namespace weft::http::detail
