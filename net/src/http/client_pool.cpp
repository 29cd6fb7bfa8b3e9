// client_pool.cpp — see client_pool.hpp.
#include "client_pool.hpp"

#include <weft/error.hpp>
#include <weft/http/detail/server_state.hpp>

namespace weft::http::detail {

void client_pool::expire(host& h, std::int64_t now, std::vector<std::unique_ptr<client_conn>>& out) noexcept {
    std::size_t n = 0;
    while (n < h.idle.size() && now - h.idle[n]->idle_since >= idle_ns_) ++n;
    for (std::size_t i = 0; i < n; ++i) out.push_back(std::move(h.idle[i]));
    h.idle.erase(h.idle.begin(), h.idle.begin() + static_cast<std::ptrdiff_t>(n));
    h.open -= n;
}

client_pool::waiter* client_pool::pop_waiter(host& h) noexcept {
    waiter* w = h.head;
    if (w) {
        h.head = w->next;
        if (!h.head) h.tail = nullptr;
        w->next = nullptr;
        w->queued = false;
    }
    return w;
}

void client_pool::unlink(host& h, waiter* w) noexcept {
    waiter** link = &h.head;
    waiter* prev = nullptr;
    while (*link && *link != w) {
        prev = *link;
        link = &(*link)->next;
    }
    if (*link) {
        *link = w->next;
        if (h.tail == w) h.tail = prev;
        w->queued = false;
    }
}

task<std::unique_ptr<client_conn>> client_pool::acquire(std::string key) {
    waiter w;
    std::vector<std::unique_ptr<client_conn>> expired;
    std::unique_ptr<client_conn> got;
    bool slot = false;
    {
        std::lock_guard lock(mu_);
        host& h = hosts_[key];
        expire(h, now_ns(), expired);
        if (!h.idle.empty()) {
            got = std::move(h.idle.back());
            h.idle.pop_back();
        } else if (h.open < max_per_host_) {
            ++h.open;
            slot = true;
        } else {
            w.queued = true;
            if (h.tail)
                h.tail->next = &w;
            else
                h.head = &w;
            h.tail = &w;
        }
    }
    for (auto& c : expired) c->stream.close_gracefully();
    if (got) {
        got->reused = true;
        co_return got;
    }
    if (slot) co_return nullptr;
    bool cancelled = false;
    try {
        co_await w.ready.wait();
    } catch (const cancelled_error&) {
        cancelled = true;
    }
    if (cancelled) {
        bool granted;
        {
            std::lock_guard lock(mu_);
            if (w.queued) unlink(hosts_[key], &w);
            granted = w.granted;
        }
        const bool has_conn = w.conn != nullptr;
        if (granted) release(key, std::move(w.conn), has_conn);  // not ours to keep
        throw cancelled_error();
    }
    if (w.conn) w.conn->reused = true;
    co_return std::move(w.conn);
}

void client_pool::release(const std::string& key, std::unique_ptr<client_conn> c, bool reusable, bool clean) noexcept {
    std::unique_ptr<client_conn> closing;
    {
        std::lock_guard lock(mu_);
        host& h = hosts_[key];
        waiter* w = pop_waiter(h);
        if (reusable && c) {
            if (w) {
                w->conn = std::move(c);
            } else {
                c->idle_since = now_ns();
                h.idle.push_back(std::move(c));
            }
        } else {
            closing = std::move(c);
            if (!w) --h.open;  // else the slot passes to the waiter
        }
        if (w) {
            w->granted = true;
            w->ready.set();  // under the lock: see client_pool.hpp
        }
    }
    if (closing && clean)
        closing->stream.close_gracefully();
    else if (closing)
        closing->stream.close();
}

void client_pool::close_idle() noexcept {
    std::vector<std::unique_ptr<client_conn>> closing;
    {
        std::lock_guard lock(mu_);
        for (auto& [key, h] : hosts_) {
            h.open -= h.idle.size();
            for (auto& c : h.idle) closing.push_back(std::move(c));
            h.idle.clear();
        }
    }
    for (auto& c : closing) c->stream.close_gracefully();
}

std::size_t client_pool::idle_count() const noexcept {
    std::lock_guard lock(mu_);
    std::size_t n = 0;
    for (const auto& [key, h] : hosts_) n += h.idle.size();
    return n;
}

}  // namespace weft::http::detail
