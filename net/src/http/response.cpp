// response.cpp — building responses and writing their heads (see weft/http/response.hpp).
#include <sys/sendfile.h>
#include <sys/stat.h>

#include <cerrno>
#include <charconv>

#include <weft/http/detail/server_connection.hpp>
#include <weft/http/errors.hpp>
#include <weft/http/response.hpp>

namespace weft::http {

response response::bytes(std::vector<std::byte> body, std::string content_type, unsigned status) {
    response r(status);
    r.content_type_ = std::move(content_type);
    r.body_ = std::move(body);
    return r;
}

response response::file(std::string path, std::string content_type) {
    response r(200);
    r.content_type_ = std::move(content_type);
    r.body_ = file_body{std::move(path)};
    return r;
}

response response::stream(body_producer producer, std::string content_type, std::optional<std::uint64_t> length) {
    if (!producer) throw error("weft::http::response::stream: the producer is empty");
    response r(200);
    r.content_type_ = std::move(content_type);
    r.body_ = stream_body{std::move(producer), length};
    return r;
}

response response::redirect(std::string_view location, unsigned status) {
    if (status != 301 && status != 302 && status != 303 && status != 307 && status != 308)
        throw error("weft::http::response::redirect: " + std::to_string(status) + " is not a redirect status");
    response r(status);
    r.headers_.set("Location", location);
    return r;
}

namespace detail {
namespace {

using namespace std::string_view_literals;

void append_number(std::string& out, std::uint64_t n) {
    char buf[24];
    auto res = std::to_chars(buf, buf + sizeof buf, n);
    out.append(buf, res.ptr);
}

// Fields the connection writes itself.
bool framing_field(std::string_view name) noexcept {
    return iequals(name, "content-length") || iequals(name, "transfer-encoding") || iequals(name, "connection");
}

}  // namespace

void write_head(std::string& out, const server_state& st, const response& r, std::optional<std::uint64_t> length,
                bool chunked, bool keep_alive, bool http10) {
    const unsigned status = r.status();
    out.reserve(out.size() + 160);
    if (status == 200) {
        out += "HTTP/1.1 200 OK\r\n"sv;
    } else {
        out += "HTTP/1.1 "sv;
        append_number(out, status);
        out += ' ';
        out += reason_phrase(status);
        out += "\r\n"sv;
    }
    out += st.server_line;
    if (st.options.date) out += http_date_line();
    if (!r.content_type().empty()) {
        out += "Content-Type: "sv;
        out += r.content_type();
        out += "\r\n"sv;
    }
    if (length) {
        out += "Content-Length: "sv;
        append_number(out, *length);
        out += "\r\n"sv;
    } else if (chunked) {
        out += "Transfer-Encoding: chunked\r\n"sv;
    }
    if (!keep_alive)
        out += "Connection: close\r\n"sv;
    else if (http10)
        out += "Connection: keep-alive\r\n"sv;
    for (const auto& f : r.headers()) {
        if (framing_field(f.name)) continue;
        out += f.name;
        out += ": "sv;
        out += f.value;
        out += "\r\n"sv;
    }
    out += "\r\n"sv;
}

response error_response(unsigned status, std::string_view detail) {
    std::string body;
    body.reserve(64 + detail.size());
    append_number(body, status);
    body += ' ';
    body += reason_phrase(status);
    if (!detail.empty()) {
        body += ": ";
        body += detail;
    }
    body += '\n';
    return response(status, std::move(body));
}

std::size_t chunk_line(char (&buf)[24], std::size_t n) noexcept {
    auto res = std::to_chars(buf, buf + 20, n, 16);
    res.ptr[0] = '\r';
    res.ptr[1] = '\n';
    return static_cast<std::size_t>(res.ptr + 2 - buf);
}

long sendfile_raw(int out_fd, int in_fd, off_t* offset, std::size_t count) noexcept {
    ssize_t n = ::sendfile(out_fd, in_fd, offset, count);
    return n < 0 ? -errno : static_cast<long>(n);
}

bool is_regular_file(int fd) noexcept {
    struct stat st;
    return ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
}

bool asks_close(const response& r) noexcept {
    if (r.headers().empty()) return false;
    auto c = r.headers().get("connection");
    return c && iequals(*c, "close");
}

}  // namespace detail
}  // namespace weft::http
