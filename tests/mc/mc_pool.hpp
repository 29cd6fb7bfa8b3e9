// mc_pool.hpp — the runtime's scheduling core under the model checker: real workers
// (core/src/worker.hpp's basic_worker: the loop, its LIFO slots and local queue, search,
// park), the real global queue and idle state, and a simulated rest of the runtime.
//
// What is simulated: the worker's services (no timers, no I/O: the futex parker, and
// park timeouts of "never"), the thread around the loop (Relacy thread i
// runs worker i's run_loop()), and tasks, which are `job`s rather than coroutines: running
// one calls its function on the worker's thread. A job may schedule others on its worker
// (as a task's spawn or wake does, through schedule_local) or block its worker (a task
// stuck in a long computation), which is how a scenario asks "does another worker come
// for the work this one cannot run?". A lost wake-up leaves every thread blocked: Relacy
// reports a deadlock with the interleaving.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstring>
#include <memory>
#include <source_location>

#include <weft/config.hpp>
#include <weft/detail/parker.hpp>
#include <weft/detail/worker_services.hpp>

#include "idle.hpp"
#include "inject_queue.hpp"
#include "weft_mc/atomic.hpp"
#include "weft_mc/os_wait.hpp"
#include "worker.hpp"

namespace weft::mc {

class pool;
using worker = weft::detail::basic_worker<pool>;

// A task of a scenario. `run` is called on the worker that picked it up.
struct job {
    void (*run)(job& self, pool& p, worker& on) = nullptr;
    void* arg = nullptr;
};

// A worker's services: the futex parker, and nothing else (no timers, no I/O).
inline std::unique_ptr<weft::detail::worker_services> make_services() {
    return std::make_unique<weft::detail::worker_services>(weft::detail::make_futex_parker());
}

class pool {
public:
    static constexpr std::uint32_t max_workers = 3;

    explicit pool(std::uint32_t workers) : idle_(workers), n_(workers) {
        futex_spurious_wakeups = false;     // explored by the parker's own scenarios
        config_.spin_before_park_us = 0;    // time-based: not deterministic
        config_.local_queue_capacity = 16;  // the smallest allowed
        for (std::uint32_t i = 0; i < n_; ++i)
            workers_[i] = std::make_unique<worker>(*this, config_, i, n_, make_services());
    }
    ~pool() { futex_spurious_wakeups = true; }
    pool(const pool&) = delete;
    pool& operator=(const pool&) = delete;

    // The Pool interface of basic_worker.
    weft::detail::inject_queue& global_queue() noexcept { return global_; }
    weft::detail::idle_state& idle() noexcept { return idle_; }
    std::uint32_t worker_count() const noexcept { return n_; }
    worker& worker_at(std::uint32_t i) noexcept { return *workers_[i]; }
    bool is_shutdown() const noexcept { return shutdown_.load(std::memory_order_acquire); }
    // The default argument names the caller (a function of worker.hpp), so that a broken
    // variant can leave out the wake-ups of one call site.
    void notify_work(std::source_location from = std::source_location::current()) noexcept {
        if (silenced_ && std::strstr(from.function_name(), silenced_)) return;
        weft::detail::notify_parked_worker(*this);
    }
    bool has_pending_work() noexcept { return recheck_ && weft::detail::any_pending_work(*this); }
    void run_task(void* entry) noexcept {
        auto* j = static_cast<job*>(entry);
        j->run(*j, *this, worker_at(static_cast<std::uint32_t>(rl::thread_index())));
    }

    // From a thread outside the pool, as runtime_core::inject.
    void inject(job& j) {
        global_.push(&j);
        notify_work();
    }
    // As runtime_core::shutdown: raise the flag, wake everyone.
    void stop() noexcept {
        shutdown_.store(true, std::memory_order_seq_cst);
        for (std::uint32_t i = 0; i < n_; ++i) workers_[i]->unpark();
    }

    // Broken variants: parking workers do not look at the queues again (rule 4 removed);
    // pushes made in `function` (of worker.hpp) wake nobody.
    void skip_recheck() noexcept { recheck_ = false; }
    void silence_notify_in(const char* function) noexcept { silenced_ = function; }

private:
    weft::runtime_config config_;
    weft::detail::inject_queue global_;
    weft::detail::idle_state idle_;
    std::uint32_t n_;
    std::unique_ptr<worker> workers_[max_workers];
    atomic<bool> shutdown_{false};
    bool recheck_ = true;
    const char* silenced_ = nullptr;
};

// Something one thread waits for: a flag and the park word it sleeps on.
class event {
public:
    void set() {
        done_.store(true, std::memory_order_release);
        word_->unpark();
    }
    void wait() {
        while (!done_.load(std::memory_order_acquire)) word_->park(std::chrono::nanoseconds(-1));
    }

private:
    atomic<bool> done_{false};
    std::unique_ptr<weft::detail::parker> word_ = weft::detail::make_futex_parker();
};

}  // namespace weft::mc
