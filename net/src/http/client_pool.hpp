// client_pool.hpp — the client's connections: one per exchange in flight, kept idle per
// scheme+host+port between exchanges (internal to net/).
//
// Protocol, under one mutex: acquire() takes the most recently used idle connection of its
// key, or a slot to open one (`open` counts the connections of the key, idle and in use, up
// to max_per_host), or queues a waiter. release() hands a reusable connection, or the slot
// of a closed one, to the first waiter (setting its event under the lock, so a waiter that
// is cancelled meanwhile sees what it was given and gives it back), else keeps it idle
// (or frees the slot). Idle connections older than idle_timeout are closed when their key
// is next acquired, or by close_idle().
//
// Closing: idle connections, and those whose exchange ended cleanly but may not be kept,
// close gracefully (TLS: close_notify, if the socket takes it at once: never a wait, so a
// caller is never stalled by a peer); a connection cut in the middle of an exchange just
// closes. Closes happen outside the lock.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <weft/event.hpp>
#include <weft/http/detail/any_stream.hpp>
#include <weft/http/detail/http1_parser.hpp>
#include <weft/net/tls_context.hpp>
#include <weft/task.hpp>

namespace weft::http::detail {

struct client_conn {
    client_conn(any_stream s, parser_limits limits)
        : stream(std::move(s)), parser(http1_parser::kind::response, limits) {}

    any_stream stream;
    http1_parser parser;
    std::unique_ptr<char[]> buf;
    std::uint32_t cap = 0;
    std::uint32_t begin = 0;  // the current response's first byte
    std::uint32_t pos = 0;    // parsed up to here
    std::uint32_t end = 0;    // read up to here
    std::int64_t idle_since = 0;
    bool reused = false;  // it served an earlier exchange
};

class client_pool {
public:
    client_pool(std::size_t max_per_host, std::chrono::milliseconds idle_timeout) noexcept
        : max_per_host_(max_per_host), idle_ns_(std::chrono::nanoseconds(idle_timeout).count()) {}

    // An idle connection of key, or nullptr: a slot to open one (connect, then either
    // release() the connection or release_slot()). Waits while key is at its maximum.
    task<std::unique_ptr<client_conn>> acquire(std::string key);
    // Gives a connection back: kept idle if reusable, else closed (clean: at the end of an
    // exchange, so a TLS connection says close_notify first).
    void release(const std::string& key, std::unique_ptr<client_conn> c, bool reusable, bool clean = false) noexcept;
    void release_slot(const std::string& key) noexcept { release(key, nullptr, false); }
    void close_idle() noexcept;
    std::size_t idle_count() const noexcept;

    std::atomic<std::uint64_t> opened{0};

    // The client's own TLS context when client_options gives none (system trust store, ALPN
    // http/1.1), made by the first https:// request: loading the trust store costs tens of
    // milliseconds of CPU (a stall warning in a debug build) that an http://-only client
    // should not pay at construction. call_once: a failure throws to that request and the
    // next one tries again.
    std::once_flag default_tls_once;
    std::optional<net::tls_context> default_tls;

private:
    struct waiter {
        weft::event ready;
        std::unique_ptr<client_conn> conn;  // handed over; nullptr with `granted`: a slot
        bool granted = false;
        bool queued = false;
        waiter* next = nullptr;
    };
    struct host {
        std::vector<std::unique_ptr<client_conn>> idle;  // oldest first
        std::size_t open = 0;
        waiter* head = nullptr;
        waiter* tail = nullptr;
    };
    void expire(host& h, std::int64_t now, std::vector<std::unique_ptr<client_conn>>& out) noexcept;
    static waiter* pop_waiter(host& h) noexcept;
    static void unlink(host& h, waiter* w) noexcept;

    const std::size_t max_per_host_;
    const std::int64_t idle_ns_;
    mutable std::mutex mu_;
    std::unordered_map<std::string, host> hosts_;
};

}  // namespace weft::http::detail
