// worker.cpp — the worker threads (names, CPU pinning) around the scheduling loop of
// worker.hpp, and the scheduler API that public headers call (scheduler_api.hpp).
#include "worker.hpp"

#include <pthread.h>
#include <sched.h>

#include <coroutine>
#include <string>

#include <weft/detail/join_state.hpp>

#include <weft/internal/log.hpp>

#include "runtime_core.hpp"

namespace weft::detail {
namespace {
[[gnu::tls_model("initial-exec")]] thread_local worker* tl_worker = nullptr;
}  // namespace

[[gnu::tls_model("initial-exec")]] thread_local std::atomic<promise_base*> tl_running_root{nullptr};
[[gnu::tls_model("initial-exec")]] thread_local std::atomic<std::uint16_t> tl_running_site{0};
[[gnu::tls_model("initial-exec")]] thread_local std::uint64_t tl_wait_clock_ms = 0;

worker* current_worker() noexcept { return tl_worker; }

template <class Pool>
void basic_worker<Pool>::start() {
    thread_ = std::thread([this] { run(); });
}

template <class Pool>
void basic_worker<Pool>::join() {
    if (thread_.joinable()) thread_.join();
}

template <class Pool>
void basic_worker<Pool>::run() {
    const runtime_config& cfg = core_.config();
    std::string name = cfg.thread_name_prefix + std::to_string(index_);
    pthread_setname_np(pthread_self(), name.substr(0, 15).c_str());
    if (cfg.pin_workers) {
        cpu_set_t allowed;
        CPU_ZERO(&allowed);
        if (sched_getaffinity(0, sizeof(allowed), &allowed) == 0 && CPU_COUNT(&allowed) > 0) {
            // The i-th allowed CPU, wrapping around when there are more workers than CPUs.
            int want = static_cast<int>(index_ % static_cast<std::uint32_t>(CPU_COUNT(&allowed)));
            for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
                if (!CPU_ISSET(cpu, &allowed) || want-- != 0) continue;
                cpu_set_t one;
                CPU_ZERO(&one);
                CPU_SET(cpu, &one);
                if (int rc = pthread_setaffinity_np(pthread_self(), sizeof(one), &one); rc != 0)
                    log().warn("worker {}: cannot pin to CPU {} (error {})", index_, cpu, rc);
                break;
            }
        }
    }
    tl_worker = this;
    running_site_.store(&tl_running_site, std::memory_order_release);
    running_root_.store(&tl_running_root, std::memory_order_release);
    services_->attach();
    run_loop();
    services_->detach();
    running_root_.store(nullptr, std::memory_order_release);
    running_site_.store(nullptr, std::memory_order_release);
    tl_worker = nullptr;
}

template class basic_worker<runtime_core>;

// ---- the scheduler API used by public headers ----

runtime_core* current_core() noexcept { return tl_worker ? &tl_worker->core() : nullptr; }

bool schedule(runtime_core* core, std::coroutine_handle<> h, schedule_hint hint) noexcept {
    void* entry = hint == schedule_hint::spawn ? tag_unstarted(h.address()) : h.address();
    worker* w = tl_worker;
    if (w && &w->core() == core) {
        w->schedule_local(entry, hint);
        return true;
    }
    return core->inject(entry);
}

bool take_back_unstarted(runtime_core* core, void* frame) noexcept {
    worker* w = tl_worker;
    return w && &w->core() == core && w->take_back(frame);
}

worker_services* current_worker_services() noexcept { return tl_worker ? &tl_worker->services() : nullptr; }

bool consume_budget() noexcept {
    worker* w = tl_worker;
    return w ? w->consume_budget() : true;
}

void register_root(runtime_core* core, promise_base* root) noexcept {
    worker* w = tl_worker;
    std::uint32_t hint =
        w && &w->core() == core ? w->index() : static_cast<std::uint32_t>(reinterpret_cast<std::uintptr_t>(root) >> 6);
    core->registry().add(root, hint);
}

void note_suspend_slow(promise_base* root) noexcept {
    if (!root->registered()) register_root(root->own_core(), root);
    arm_inline_waiter(root);
}

void unregister_root(runtime_core* core, promise_base* root) noexcept { core->registry().remove(root); }

}  // namespace weft::detail
