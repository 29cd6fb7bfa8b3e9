// server_state.cpp — the connection registry, the reaper, the Date cache (see
// weft/http/detail/server_state.hpp).
#include <weft/http/detail/server_state.hpp>

#include <time.h>

#include <ctime>
#include <exception>

#include <weft/clock.hpp>
#include <weft/error.hpp>
#include <weft/runtime.hpp>
#include <weft/internal/log.hpp>
#include <weft/sleep.hpp>

namespace weft::http::detail {
namespace {

using namespace std::chrono_literals;

std::chrono::milliseconds shortest_timeout(const server_limits& l) {
    return std::min({l.header_timeout, l.idle_timeout, l.body_timeout, l.write_timeout});
}

void check(bool ok, const char* key, std::string value, const char* why) {
    if (!ok) throw config_error("code", std::string("http::server_limits::") + key, std::move(value), why);
}

server_options validated(server_options o) {
    const server_limits& l = o.limits;
    for (auto [key, t] : {std::pair{"header_timeout", l.header_timeout},
                          {"idle_timeout", l.idle_timeout},
                          {"body_timeout", l.body_timeout},
                          {"write_timeout", l.write_timeout}})
        check(t.count() > 0, key, std::to_string(t.count()) + " ms", "must be positive");
    check(l.max_header_bytes >= 64, "max_header_bytes", std::to_string(l.max_header_bytes), "must be at least 64");
    check(l.max_header_bytes <= (64u << 20), "max_header_bytes", std::to_string(l.max_header_bytes),
          "must be at most 64 MiB");
    check(l.max_target >= 1, "max_target", std::to_string(l.max_target), "must be at least 1");
    check(l.max_header_count >= 1, "max_header_count", std::to_string(l.max_header_count), "must be at least 1");
    for (char c : o.server_name)
        if (c == '\r' || c == '\n' || c == '\0')
            throw config_error("code", "http::server_options::server_name", o.server_name,
                               "must not hold CR, LF or NUL");
    return o;
}

}  // namespace

std::int64_t now_ns() noexcept {
    timespec ts;
    ::clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

namespace {
// "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n", formatted once a second per thread.
struct date_cache {
    std::time_t second = -1;
    char text[64] = {};
    std::size_t len = 0;
};
const date_cache& current_date() noexcept {
    thread_local date_cache c;
    const std::time_t t = std::time(nullptr);
    if (t != c.second) {
        std::tm tm{};
        ::gmtime_r(&t, &tm);
        c.len = std::strftime(c.text, sizeof c.text, "Date: %a, %d %b %Y %H:%M:%S GMT\r\n", &tm);
        c.second = t;
    }
    return c;
}
}  // namespace

std::string_view http_date() noexcept {
    const date_cache& c = current_date();
    return {c.text + 6, c.len - 8};
}

std::string_view http_date_line() noexcept {
    const date_cache& c = current_date();
    return {c.text, c.len};
}

void log_handler_failure(std::string_view method, std::string_view target, const char* what) noexcept {
    try {
        weft::detail::log().error("http: {} {}: the handler failed (answered 500): {}", method, target, what);
    } catch (...) {
    }
}

void log_connection_failure(const char* what) noexcept {
    try {
        weft::detail::log().warn("http: a connection ended on an unexpected error: {}", what);
    } catch (...) {
    }
}

server_state::server_state(http::handler h, server_options opts)
    : handler(std::move(h)),
      options(validated(std::move(opts))),
      parse_limits{options.limits.max_target, options.limits.max_header_bytes, options.limits.max_header_count},
      server_line(options.server_name.empty() ? std::string() : "Server: " + options.server_name + "\r\n"),
      tick(std::clamp<std::chrono::milliseconds>(shortest_timeout(options.limits) / 8, 5ms, 1000ms)) {
    if (!handler) throw error("weft::http::server: the handler is empty");
}

void server_state::add(conn_record& c) {
    bool start = false;
    {
        std::lock_guard lock(mu_);
        c.next = head_;
        if (head_) head_->prev = &c;
        head_ = &c;
        if (!reaper_running_) start = reaper_running_ = true;
    }
    connections.fetch_add(1, std::memory_order_relaxed);
    if (start) {
        try {
            // Detached (the handle is dropped): it ends once the registry is empty.
            [[maybe_unused]] auto detached = weft::spawn(reaper(shared_from_this()));
        } catch (...) {
            std::lock_guard lock(mu_);
            reaper_running_ = false;
            throw;
        }
    }
}

void server_state::remove(conn_record& c) noexcept {
    std::lock_guard lock(mu_);
    if (c.prev)
        c.prev->next = c.next;
    else
        head_ = c.next;
    if (c.next) c.next->prev = c.prev;
    c.prev = c.next = nullptr;
}

void server_state::stop() noexcept {
    stopping_.store(true, std::memory_order_seq_cst);
    std::lock_guard lock(mu_);
    for (conn_record* c = head_; c; c = c->next) {
        std::int64_t d = c->deadline.load(std::memory_order_seq_cst);
        while (d > 0 && (d & 1)) {
            if (c->deadline.compare_exchange_weak(d, conn_record::fired, std::memory_order_acq_rel)) {
                c->root->request_cancel();
                break;
            }
        }
    }
}

bool server_state::reap() noexcept {
    const std::int64_t now = now_ns();
    std::lock_guard lock(mu_);
    if (head_ == nullptr) {
        reaper_running_ = false;
        return false;
    }
    for (conn_record* c = head_; c; c = c->next) {
        std::int64_t d = c->deadline.load(std::memory_order_relaxed);
        if (d > 0 && (d & ~std::int64_t{1}) <= now &&
            c->deadline.compare_exchange_strong(d, conn_record::fired, std::memory_order_acq_rel))
            c->root->request_cancel();
    }
    return true;
}

task<void> server_state::reaper(std::shared_ptr<server_state> self) {
    do {
        co_await sleep_for(self->tick);
    } while (self->reap());
}

}  // namespace weft::http::detail
