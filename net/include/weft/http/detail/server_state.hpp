// weft/http/detail/server_state.hpp — what a server's connections share: the handler, the
// options, and a registry of open connections that enforces the timeouts and stops the idle
// ones at shutdown. Users do not include this; server_connection.hpp does.
//
// Timeouts without a timer per read: each connection publishes a deadline (an atomic word
// in its frame, 0 when none) before it waits, and clears it after. A reaper task wakes every
// `tick` (an eighth of the shortest timeout, 5 ms to 1 s), walks the registry and cancels
// the connection whose deadline passed, after swapping its deadline for `fired` (-1), so
// the connection tells a timeout from other cancellations when it clears it. A deadline
// thus costs two atomic operations and a clock read; it fires up to one tick late. The
// reaper runs while the registry is not empty and is started again by the next connection.
//
// Stopping: a connection waiting for a request publishes an odd deadline (bit 0: idle) with
// a full barrier and then reads `stopping`; stop() sets `stopping` (seq_cst) and then swaps
// every odd deadline for `fired` and cancels that connection. One of the two sees the
// other (Dekker), so no idle connection is missed. Busy connections finish their request,
// answer with `Connection: close` and end.
//
// Thread safety: add/remove/stop/reap lock the registry; the per-connection words are atomics.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include <weft/detail/promise_base.hpp>
#include <weft/http/detail/http1_parser.hpp>
#include <weft/http/handler.hpp>
#include <weft/http/server_options.hpp>
#include <weft/task.hpp>

namespace weft::http::detail {

// One connection, as the registry sees it (it lives in the connection's frame).
struct conn_record {
    static constexpr std::int64_t fired = -1;

    conn_record* prev = nullptr;
    conn_record* next = nullptr;
    weft::detail::promise_base* root = nullptr;  // the connection task's root
    // now_ns() (bit 0 set: a wait for a request, which stop() ends); 0: none; fired.
    std::atomic<std::int64_t> deadline{0};
};

// The clock of the deadlines: CLOCK_MONOTONIC_COARSE in nanoseconds. Coarse (a tick, 1-4
// ms) because it is read on every request: on a VM the precise clock costs ~100 ns a read,
// the coarse one a few. So the HTTP timeouts follow the real clock, not a runtime's paused
// time (runtime_config::paused_time), and fire up to a tick plus the reaper's tick late.
std::int64_t now_ns() noexcept;
// The Date field's value for the current second ("Sun, 06 Nov 1994 08:49:37 GMT"),
// formatted once a second per thread.
std::string_view http_date() noexcept;
// The same as a whole field line: "Date: ...\r\n".
std::string_view http_date_line() noexcept;
// Logs a handler's exception (the server answers 500).
void log_handler_failure(std::string_view method, std::string_view target, const char* what) noexcept;
// Logs a connection that ended on an unexpected exception.
void log_connection_failure(const char* what) noexcept;

class server_state : public std::enable_shared_from_this<server_state> {
public:
    server_state(http::handler h, server_options opts);

    // Registers a connection (starts the reaper if it is not running). remove() before the
    // record goes away.
    void add(conn_record& c);
    void remove(conn_record& c) noexcept;
    // Refuses new requests and cancels the connections that wait for one.
    void stop() noexcept;
    bool stopping() const noexcept { return stopping_.load(std::memory_order_seq_cst); }

    const http::handler handler;
    const server_options options;
    const parser_limits parse_limits;
    const std::string server_line;  // "Server: weft\r\n", or empty
    const std::chrono::milliseconds tick;
    std::atomic<std::uint64_t> connections{0};
    std::atomic<std::uint64_t> requests{0};

private:
    static task<void> reaper(std::shared_ptr<server_state> self);
    // Cancels the connections whose deadline passed; false once the registry is empty.
    bool reap() noexcept;

    std::mutex mu_;
    conn_record* head_ = nullptr;
    bool reaper_running_ = false;
    std::atomic<bool> stopping_{false};
};

}  // namespace weft::http::detail
