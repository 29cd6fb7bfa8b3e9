// runtime_core.hpp — the shared state of one runtime: workers, the global queue, idle
// bookkeeping, the live-task registry. public weft::runtime owns one; workers and the
// scheduler API reach it through a pointer.
//
// Lifecycle: constructed (the stack's services built, threads not started) -> start() ->
// shutdown(): the shutdown flag is raised, every worker is unparked and joined, the
// services stop what could still touch task frames (worker_services::shutdown, then
// runtime_services::shutdown; offloads still running on oneTBB are waited for), queued work
// is dropped, and every task still registered (suspended or queued) is destroyed on the
// calling thread.
#pragma once

#include <atomic>
#include <coroutine>
#include <cstdint>
#include <map>
#include <string>
#include <memory>
#include <mutex>
#include <vector>

#include <weft/config.hpp>
#include <weft/detail/worker_services.hpp>
#include <weft/metrics.hpp>
#include <weft/task_dump.hpp>
#include <weft/runtime_stack.hpp>

#include "counter.hpp"
#include "idle.hpp"
#include "inject_queue.hpp"
#include "task_registry.hpp"
#include "watchdog.hpp"
#include "worker.hpp"

namespace weft::detail {

class runtime_core;
// weft::dump_tasks on a runtime's shared state (task_dump.cpp); the watchdog calls it too.
task_dump dump_core(runtime_core& core);
// Suspended tasks by weft::to_string(wait_kind) (task_dump.cpp), for the metrics.
std::map<std::string, std::uint64_t> count_suspended_by_kind(runtime_core& core);

class runtime_core {
public:
    // Throws config_error / system_error (the stack's services could not be built).
    runtime_core(const runtime_config& cfg, const runtime_stack& stack);
    ~runtime_core();

    void start();
    void shutdown();

    const runtime_config& config() const noexcept { return config_; }
    // Resolved once, when the runtime is built.
    std::uint32_t worker_count() const noexcept { return worker_count_; }
    worker& worker_at(std::uint32_t i) noexcept { return *workers_[i]; }
    bool is_shutdown() const noexcept { return shutdown_.load(std::memory_order_acquire); }
    bool is_tearing_down() const noexcept { return tearing_down_.load(std::memory_order_acquire); }
    std::uint16_t id() const noexcept { return id_; }

    // From any thread that is not one of our workers. False after shutdown.
    bool inject(void* task) noexcept;
    // Wakes a parked worker if nobody is searching for work (see idle.hpp).
    void notify_work() noexcept;
    // True if any queue holds work (the re-check of a parking worker).
    bool has_pending_work() noexcept;
    // Runs a queue entry (a frame address, see worker.hpp).
    // Every frame in a queue is a weft task's (awaitables require promise_base); its
    // promise sits in the cache line the resumption loads anyway. The running root is
    // what the task dump and the stall detector read (worker::running_root()).
    static void run_task(void* entry) noexcept {
        promise_base* root = promise_base::of_frame(frame_of(entry))->root();
        set_running_root(root, root->site());
        std::coroutine_handle<>::from_address(frame_of(entry)).resume();
        set_running_root(nullptr);
    }

    // For the task dump: takes every queued entry (global queue, each worker's queue and
    // LIFO slots) into a vector, calls f(entries) while nobody else can run them, then
    // puts them all in the global queue (waking a worker). Does nothing once shutdown has
    // drained the queues. The tasks lose their place and their worker; a dump is rare.
    template <class F>
    void with_queued_entries(F&& f) {
        std::lock_guard lock(snapshot_mu_);
        if (queues_drained_) return;
        std::vector<void*> entries;
        void* batch[256];
        while (std::size_t n = inject_.pop_batch(batch, 256)) entries.insert(entries.end(), batch, batch + n);
        for (auto& w : workers_) w->take_all(entries);
        f(static_cast<const std::vector<void*>&>(entries));
        if (entries.empty()) return;
        inject_.push_batch(entries.data(), entries.size());
        notify_work();
    }

    inject_queue& global_queue() noexcept { return inject_; }
    idle_state& idle() noexcept { return idle_; }
    task_registry& registry() noexcept { return registry_; }

    runtime_metrics metrics() const;

    runtime_services& services() const noexcept { return *services_; }
    // Unparks every worker, so that each re-reads its services' park timeout.
    void wake_all_workers() noexcept;
    // offload() calls in flight on oneTBB (shutdown waits for them: they resume frames).
    std::atomic<std::uint64_t>& offloads() noexcept { return offloads_; }

private:
    runtime_config config_;
    std::uint32_t worker_count_;
    std::uint16_t id_ = 0;                        // in live_runtimes
    std::unique_ptr<runtime_services> services_;  // before workers_: their services use it
    std::vector<std::unique_ptr<worker>> workers_;
    inject_queue inject_;
    idle_state idle_;
    task_registry registry_;
    std::atomic<bool> shutdown_{false};
    std::mutex snapshot_mu_;                 // with_queued_entries against shutdown's drain
    bool queues_drained_ = false;            // under snapshot_mu_
    std::atomic<bool> tearing_down_{false};  // destroying the tasks left at shutdown
    std::atomic<std::uint64_t> remote_spawns_{0};
    std::atomic<std::uint64_t> offloads_{0};
    bool started_ = false;
    bool stopped_ = false;
    // After everything it watches; stopped first by shutdown(), destroyed last.
    std::unique_ptr<watchdog> watchdog_;
};

// Instantiated once, in worker.cpp.
extern template class basic_worker<runtime_core>;

}  // namespace weft::detail
