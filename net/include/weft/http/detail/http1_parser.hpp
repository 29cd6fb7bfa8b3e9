// weft/http/detail/http1_parser.hpp — one HTTP/1.x message parser over nodejs's
// http-parser 2.9.4 (libhttp-parser-dev), with the checks that library leaves out. Users do
// not include this; the server and client connections do, and so does the fuzz target.
//
// The caller owns the bytes. parse() is given the first byte of the current message and a
// range of new bytes; it stops at the first event (headers complete, a piece of body, the
// message done, an error) and says how far it consumed. Everything it records is an offset
// from the message's first byte, so the caller may move or grow its buffer between calls;
// while reading a body it may drop consumed body bytes (body_bytes_dropped()) as long as it
// keeps the header section and the 8 bytes before the parse position.
//
// What it adds to http-parser, all rejected with 400 in requests (RFC 9112):
//   - a bare LF as a line ending (http-parser accepts it) in the request line, the fields,
//     chunk-size lines and trailers; obs-fold (a field line starting with SP/HTAB);
//   - more than one Transfer-Encoding field, Transfer-Encoding in HTTP/1.0, a coding other
//     than "chunked" (501), HTTP/1.1 without exactly one Host;
//   - control characters in chunk extensions, chunk data or size lines not ended by CRLF,
//     field names that are not tokens (whitespace before the colon), a request line that is
//     not exactly `method SP target SP HTTP/d.d CRLF` — checks a strict build of http-parser
//     makes itself, but Debian's is built with HTTP_PARSER_STRICT=0.
// http-parser itself rejects Content-Length with Transfer-Encoding, duplicate or invalid
// Content-Length, chunked not last, control characters in fields and a bare CR. Limits: request-target bytes
// (414), header section bytes and field count (431); versions other than 1.x get 505.
// Responses are parsed leniently about line endings (RFC 9112 2.2 lets a recipient accept
// a bare LF) but obs-fold and the framing rules are enforced there too.
//
// Thread safety: one parser per connection, used by one task at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace weft::http::detail {

// A run of bytes, as an offset from the message's first byte.
struct text_span {
    std::uint32_t off = 0;
    std::uint32_t len = 0;
    std::uint32_t end() const noexcept { return off + len; }
};

struct field_span {
    text_span name;
    text_span value;
};

struct parser_limits {
    std::uint32_t max_target = 8192;         // request-target bytes (414)
    std::uint32_t max_header_bytes = 16384;  // start line + field lines + the empty line (431)
    std::uint32_t max_header_count = 100;    // field lines (431); trailers count too
};

enum class parse_event : std::uint8_t {
    need_more,  // every byte given was consumed; give more
    headers,    // the header section is complete (fields(), target(), ...)
    body,       // body_piece() holds the next piece of the body
    done,       // the message is complete; the next byte starts the next message
    error,      // error_status() / error_message(); the connection cannot continue
};

class http1_parser {
public:
    enum class kind : std::uint8_t { request, response };

    http1_parser(kind k, parser_limits limits) noexcept;
    http1_parser(const http1_parser&) = delete;
    http1_parser& operator=(const http1_parser&) = delete;

    // Parses from pos towards end; msg is the first byte of the current message (<= pos).
    // Advances pos over what was consumed; stops at the first event.
    parse_event parse(const char* msg, const char*& pos, const char* end) noexcept;
    // The peer closed: completes a response whose body runs to the end of the stream
    // (done), or reports a message cut short (error). need_more: nothing was in progress.
    parse_event finish() noexcept;
    // The caller removed n consumed body bytes (what followed them moved n bytes closer to
    // the message start). Keeps the current chunk-size line, if one is in progress.
    void body_bytes_dropped(std::uint32_t n) noexcept { line_start_ -= n; }
    // Where the bytes the caller must keep start (an offset from the message start): the
    // chunk-size line in progress, else 8 bytes before pos.
    std::int64_t keep_from(std::uint32_t pos) const noexcept;

    // Responses: the next response has no body whatever its fields say (a reply to HEAD).
    void set_no_body(bool on) noexcept { no_body_ = on; }
    // True between `headers` and `done`.
    bool in_body() const noexcept { return phase_ == phase::body; }
    // True once the head of a message has begun (bytes of it were consumed).
    bool message_started() const noexcept { return started_; }

    // After `headers`.
    std::string_view method_name() const noexcept;  // "GET", ...
    unsigned method_code() const noexcept;          // http-parser's enum http_method
    unsigned status() const noexcept;               // responses
    unsigned version_major() const noexcept;
    unsigned version_minor() const noexcept;
    text_span target() const noexcept { return target_; }  // requests
    text_span reason() const noexcept { return target_; }  // responses: the reason phrase
    std::span<const field_span> fields() const noexcept { return {fields_.data(), count_}; }
    std::uint32_t header_bytes() const noexcept { return header_end_; }  // offset of the body
    bool chunked() const noexcept { return chunked_; }
    std::optional<std::uint64_t> content_length() const noexcept { return content_length_; }
    bool keep_alive() const noexcept { return keep_alive_; }
    bool expect_continue() const noexcept { return expect_continue_; }
    bool is_connect() const noexcept;
    // The body ends when the connection closes (responses without a length).
    bool body_until_eof() const noexcept { return until_eof_; }

    // After `body`: a piece of the body, pointing into the caller's bytes.
    std::span<const std::byte> body_piece() const noexcept { return {body_at_, body_len_}; }

    // After `error`: the status to answer (400, 413, 414, 431, 501, 505) and why.
    unsigned error_status() const noexcept { return error_status_; }
    const std::string& error_message() const noexcept { return error_message_; }

private:
    enum class phase : std::uint8_t { head, body, trailers };
    enum class last_cb : std::uint8_t { none, field, value };

    friend struct parser_callbacks;
    void start_message() noexcept;
    bool fail(unsigned status, std::string message) noexcept;
    bool check_head() noexcept;
    bool check_chunk_line(const char* line_end) noexcept;
    bool check_start_line() noexcept;
    bool end_of_head(const char* end) noexcept;
    std::uint32_t offset(const char* p) const noexcept { return static_cast<std::uint32_t>(p - msg_); }

    // http-parser's struct http_parser, kept opaque so that its header stays private.
    alignas(8) unsigned char raw_[32];
    kind kind_;
    parser_limits limits_;
    const char* msg_ = nullptr;  // the message's first byte, during parse()
    phase phase_ = phase::head;
    last_cb last_ = last_cb::none;
    bool started_ = false;
    bool no_body_ = false;
    bool chunked_ = false;
    bool keep_alive_ = false;
    bool expect_continue_ = false;
    bool until_eof_ = false;
    bool in_chunk_line_ = false;
    bool data_crlf_ = false;  // chunked: the line at line_start_ follows chunk data and its CRLF
    bool event_pending_ = false;
    bool chunk_line_ = false;  // the pending pause is the end of a chunk-size line
    bool head_only_ = false;   // the head of a message without a body was seen (no pause there)
    bool done_next_ = false;   // `headers` was reported for such a message: `done` comes next
    parse_event pending_ = parse_event::need_more;
    text_span target_;
    std::vector<field_span> fields_;
    std::uint32_t count_ = 0;
    field_span trailer_;  // the trailer field being read (trailers are checked, not kept)
    std::uint32_t trailer_count_ = 0;
    std::uint32_t header_end_ = 0;
    std::int64_t line_start_ = 0;  // chunked: where the chunk-size line (or the trailers) start
    std::optional<std::uint64_t> content_length_;
    const std::byte* body_at_ = nullptr;
    std::size_t body_len_ = 0;
    unsigned error_status_ = 0;
    std::string error_message_;
};

// The reason phrase of a status code ("Not Found"); "Unknown" for codes it does not know.
std::string_view reason_phrase(unsigned status) noexcept;

}  // namespace weft::http::detail
