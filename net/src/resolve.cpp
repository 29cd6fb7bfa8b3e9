// resolve.cpp — getaddrinfo on the blocking pool, abandoned (not waited for) on cancel.
//
// The lookup is shared by the waiting task and the pool thread (a reference each, and one
// more held by await_suspend while it publishes). state: 0 pending, 1 abandoned by a
// cancel, 2 answered. Whoever moves it away from 0 resumes the task; the thread always
// drops its reference when done.
//
// Publication: the canceller is installed before the lookup is submitted, so a cancel may
// come before the lookup is in the pool. `flags` settles who abandons it then: the
// canceller sets cancel_seen, await_suspend sets submitted after the submit, and whichever
// comes second does the abandoning. After the submit, await_suspend touches only the
// lookup (its extra reference), never the awaiter: the task may already be running.
#include <netdb.h>

#include <algorithm>
#include <atomic>
#include <cstring>

#include <weft/detail/promise_base.hpp>
#include <weft/net/resolve.hpp>
#include <weft/spawn_blocking.hpp>

namespace weft::net {
namespace {

using weft::detail::blocking_job;
using weft::detail::canceller;
using weft::detail::promise_base;

constexpr int submitted_flag = 1;
constexpr int cancel_seen_flag = 2;

struct lookup : blocking_job {
    std::atomic<int> refs{2};
    std::atomic<int> state{0};
    std::atomic<int> flags{0};
    std::string host, service;
    int family = AF_UNSPEC;
    std::vector<socket_address> result;
    int gai = 0;
    int sys_errno = 0;
    std::coroutine_handle<> handle;
    promise_base* root = nullptr;
    void* pool = nullptr;  // the blocking pool it was submitted to

    void release() noexcept {
        if (refs.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
    }
    // A cancel after the submit: takes the job back if it has not started, and claims the
    // task's resumption. True if the caller must resume the task.
    bool abandon() noexcept {
        if (weft::detail::take_back_blocking(this, pool)) release();  // the thread's: it will never run
        int expected = 0;
        return state.compare_exchange_strong(expected, 1, std::memory_order_acq_rel);
    }
};

void run_lookup(blocking_job* j) noexcept {
    auto* l = static_cast<lookup*>(j);
    addrinfo hints{};
    hints.ai_family = l->family;
    hints.ai_socktype = SOCK_STREAM;  // one entry per address, not one per socket type
    hints.ai_flags = AI_ADDRCONFIG;
    addrinfo* res = nullptr;
    l->gai = ::getaddrinfo(l->host.c_str(), l->service.c_str(), &hints, &res);
    if (l->gai == EAI_SYSTEM) l->sys_errno = errno;
    try {
        for (addrinfo* a = res; a; a = a->ai_next) {
            if (a->ai_family != AF_INET && a->ai_family != AF_INET6) continue;
            auto sa = socket_address::from_sockaddr(a->ai_addr, a->ai_addrlen);
            if (std::find(l->result.begin(), l->result.end(), sa) == l->result.end()) l->result.push_back(sa);
        }
    } catch (...) {
        l->gai = EAI_MEMORY;
    }
    if (res) ::freeaddrinfo(res);
    int expected = 0;
    if (l->state.compare_exchange_strong(expected, 2, std::memory_order_acq_rel))
        weft::detail::schedule(l->root->core(), l->handle, weft::detail::schedule_hint::wake);
    l->release();
}

class lookup_awaiter : canceller {
public:
    explicit lookup_awaiter(lookup* l) noexcept : canceller{&on_cancel}, l_(l) {}
    lookup_awaiter(const lookup_awaiter&) = delete;
    ~lookup_awaiter() {
        if (l_) l_->release();
    }

    bool await_ready() const noexcept { return false; }
    template <class P>
    bool await_suspend(std::coroutine_handle<P> h) {
        lookup* l = l_;
        l->handle = h;
        l->root = h.promise().root();
        l->run = &run_lookup;
        if (!l->root->install_canceller(this)) {
            l->state.store(1);
            l->release();  // the thread's reference: it will never run
            return false;
        }
        installed_ = true;
        l->root->note_suspend();
        l->refs.fetch_add(1, std::memory_order_relaxed);  // ours, while we publish
        if (!weft::detail::submit_blocking(l, &l->pool)) {
            l->refs.fetch_sub(2, std::memory_order_relaxed);  // ours and the thread's
            l->root->remove_canceller(this);
            installed_ = false;
            throw weft::error(l->pool ? "resolve: the runtime is shutting down"
                                      : "resolve: not on a worker of a weft runtime with I/O");
        }
        // From here on, only `l`: the task may be resumed (and this awaiter gone) any time.
        bool resume_now = false;
        if (l->flags.fetch_or(submitted_flag, std::memory_order_acq_rel) & cancel_seen_flag) resume_now = l->abandon();
        l->release();
        return !resume_now;
    }
    std::vector<socket_address> await_resume() {
        if (installed_) l_->root->remove_canceller(this);
        if (l_->state.load(std::memory_order_acquire) == 1) {
            l_->root->take_cancel();
            throw cancelled_error();
        }
        const std::string what = "resolve " + l_->host + ":" + l_->service;
        if (l_->gai == EAI_SYSTEM) throw system_error(l_->sys_errno, what);
        if (l_->gai != 0) throw resolve_error(what + ": " + ::gai_strerror(l_->gai), l_->gai);
        if (l_->result.empty()) throw resolve_error(what + ": no IP address", EAI_NONAME);
        return std::move(l_->result);
    }

private:
    static void on_cancel(canceller* c) noexcept {
        lookup* l = static_cast<lookup_awaiter*>(c)->l_;
        // Before the submit: await_suspend abandons it once it has submitted.
        if (!(l->flags.fetch_or(cancel_seen_flag, std::memory_order_acq_rel) & submitted_flag)) return;
        if (l->abandon()) weft::detail::schedule(l->root->core(), l->handle, weft::detail::schedule_hint::wake);
    }

    lookup* l_;
    bool installed_ = false;
};

}  // namespace

task<std::vector<socket_address>> resolve(std::string host, std::string service, int family) {
    // Numeric host and port: no resolver needed.
    bool numeric_port = !service.empty() && service.size() <= 5 &&
                        std::all_of(service.begin(), service.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (numeric_port && std::stoul(service) <= 65535) {
        try {
            ip_address ip = ip_address::parse(host);
            if (family == AF_UNSPEC || family == ip.family())
                co_return std::vector<socket_address>{
                    socket_address(ip, static_cast<std::uint16_t>(std::stoul(service)))};
        } catch (const address_error&) {
        }
    }
    auto* l = new lookup;
    l->host = std::move(host);
    l->service = std::move(service);
    l->family = family;
    co_return co_await lookup_awaiter(l);
}

task<std::vector<socket_address>> resolve(std::string host, std::uint16_t port, int family) {
    return resolve(std::move(host), std::to_string(port), family);
}

}  // namespace weft::net
