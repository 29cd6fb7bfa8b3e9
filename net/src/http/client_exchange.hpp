// client_exchange.hpp — one request and its response on a pooled connection: writing the
// request, reading the response's head and body (internal to net/). The connection goes
// back to the pool when the body has been read to its end on a keep-alive response;
// anything else (an error, a cancellation, an unread body) closes it.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include <weft/http/client.hpp>
#include <weft/http/errors.hpp>
#include <weft/http/headers.hpp>
#include <weft/task.hpp>

#include "client_pool.hpp"

namespace weft::http::detail {

class client_exchange {
public:
    client_exchange(std::shared_ptr<client_pool> pool, std::string key, std::unique_ptr<client_conn> conn,
                    std::string method, std::string url, const client_options& opts);
    ~client_exchange();
    client_exchange(const client_exchange&) = delete;
    client_exchange& operator=(const client_exchange&) = delete;

    // Writes the request (head, then the body or the stream). Throws client_error. With
    // expect_wait (the head says Expect: 100-continue): the head, then a wait for 100
    // Continue of at most that long; the body follows the 100 or the end of the wait, and
    // is not sent at all if a final response comes first (body_withheld(); the connection
    // is then closed after that response, since the server may still wait for the body).
    task<void> send(const std::string& head, const request_options& req,
                    std::optional<std::chrono::milliseconds> expect_wait);
    // Reads the response's head (skipping 1xx), unless send() already has. Throws client_error.
    task<void> read_head();
    // The next piece of the body (empty at its end); releases the connection at the end.
    task<std::span<const std::byte>> next_piece();
    void close() noexcept;

    // The body's reads end by `deadline` too (client_options::total_timeout, `total`).
    void limit_total(std::chrono::steady_clock::time_point deadline, std::chrono::milliseconds total) noexcept {
        deadline_ = deadline;
        total_ = total;
    }

    bool reused() const noexcept { return reused_; }
    bool body_withheld() const noexcept { return body_withheld_; }
    bool received() const noexcept { return received_; }

    std::string method;
    std::string url;
    unsigned status = 0;
    std::string reason;
    http::headers fields;
    std::optional<std::uint64_t> content_length;
    std::uint64_t max_body_bytes;
    std::span<const std::byte> pending;  // client_response::read_some: the rest of the last piece

private:
    friend class chunk_sender;
    [[noreturn]] void fail(client_error::kind_t k, const std::string& what);
    task<std::size_t> read_more();
    // As read_more, but a wait of `soft` that passes without bytes gives nullopt, not an error.
    task<std::optional<std::size_t>> read_more_for(std::optional<std::chrono::milliseconds> soft);
    // Reads until the final response's head (true); with continue_by, also returns (false)
    // at the end of a 100 Continue or once that time has passed.
    task<bool> read_head_until(std::optional<std::chrono::steady_clock::time_point> continue_by);
    task<void> send_body(const request_options& req);
    task<void> write(std::span<const std::byte> bytes);
    void make_room();

    std::shared_ptr<client_pool> pool_;
    std::string key_;
    std::unique_ptr<client_conn> conn_;
    std::chrono::milliseconds read_timeout_;
    std::optional<std::chrono::steady_clock::time_point> deadline_;
    std::chrono::milliseconds total_{0};
    bool reused_ = false;
    bool received_ = false;  // a byte of the response arrived
    bool keep_alive_ = false;
    bool finished_ = false;
    bool failed_ = false;
    bool head_done_ = false;      // the final response's head has been read
    bool body_withheld_ = false;  // Expect: 100-continue answered by a final status
};

}  // namespace weft::http::detail
