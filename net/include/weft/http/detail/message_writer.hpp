// weft/http/detail/message_writer.hpp — writing HTTP/1.1 messages: a response's head, the
// plain-text error responses, chunk-size lines; the server's and client's shared helpers.
// Users do not include this.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <weft/http/response.hpp>

namespace weft::http::detail {

class server_state;

// Appends a response's status line and header fields, with the framing given: a length, or
// chunked (length empty, chunked true), or neither (until close, or no body).
void write_head(std::string& out, const server_state& st, const response& r, std::optional<std::uint64_t> length,
                bool chunked, bool keep_alive, bool http10);
// A plain-text response for an error status ("413 Content Too Large\n" and a detail).
response error_response(unsigned status, std::string_view detail);
// The hex chunk-size line for n bytes ("1f4\r\n") into buf; its length.
std::size_t chunk_line(char (&buf)[24], std::size_t n) noexcept;
// sendfile(2) that returns -errno instead of setting errno (never read errno in a coroutine).
long sendfile_raw(int out_fd, int in_fd, off_t* offset, std::size_t count) noexcept;
// Whether fd is a regular file (fstat).
bool is_regular_file(int fd) noexcept;
// Whether the response's fields ask to close the connection.
bool asks_close(const response& r) noexcept;

}  // namespace weft::http::detail
