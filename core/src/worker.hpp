// worker.hpp — one scheduler thread: its run queue, LIFO slot, hooks and counters.
//
// Ownership: only the worker's own thread pushes to its queue, fills its LIFO slot and
// writes its counters; other workers may steal from the queue (see local_queue.hpp) and
// take the LIFO slot (an atomic exchange), and anyone may unpark it.
//
// Loop (worker.cpp): run local work — the LIFO slots first (newest first; see
// lifo_slots.hpp), at most max_lifo_polls times in a row so a ping-pong pair or a
// spawning loop cannot starve the queue, then the queue — and every
// global_queue_interval tasks the global queue first, so injected work is never starved.
// Out of work: poll the services (timers, I/O), search (steal half of a random victim's
// queue, then the global queue, then run what is due for workers stuck in long tasks),
// then park in the services' parker (the I/O driver's wait, or a futex). Each resumption
// gets a fresh cooperative budget.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

#include <weft/detail/scheduler_api.hpp>
#include <weft/detail/worker_services.hpp>
#include <weft/metrics.hpp>

#include <weft/detail/histogram_recorder.hpp>

#include "counter.hpp"
#include "lifo_slots.hpp"
#include "local_queue.hpp"

namespace weft::detail {

class runtime_core;

// Queue entries are frame addresses; a spawned task that has not started yet carries tag
// bit 0, so that shutdown can tell it (a root nobody else knows of) from a resumption
// point of a task that is suspended (and registered).
inline void* tag_unstarted(void* frame) noexcept {
    return reinterpret_cast<void*>(reinterpret_cast<std::uintptr_t>(frame) | 1);
}
inline bool is_unstarted(void* entry) noexcept { return reinterpret_cast<std::uintptr_t>(entry) & 1; }
inline void* frame_of(void* entry) noexcept {
    return reinterpret_cast<void*>(reinterpret_cast<std::uintptr_t>(entry) & ~std::uintptr_t{1});
}

// Polls a task may make without suspending before awaitables ask it to yield (tokio: 128).
inline constexpr int task_budget = 128;

class worker {
public:
    worker(runtime_core& core, std::uint32_t index, std::unique_ptr<worker_services> services);
    worker(const worker&) = delete;
    worker& operator=(const worker&) = delete;

    void start();
    void join();

    // Worker thread only.
    void schedule_local(void* task, schedule_hint hint) noexcept;
    bool consume_budget() noexcept { return --budget_ > 0; }

    // Any thread.
    void unpark() noexcept { services_->sleeper().unpark(); }
    bool has_work() const noexcept { return !queue_.empty() || lifo_.has_work(); }
    // Worker thread only: takes a task that has not started yet back from the LIFO slots.
    bool take_back(void* frame) noexcept { return lifo_.take(tag_unstarted(frame)); }
    // Thief side: takes half of the queue into `into`'s queue, or a LIFO slot.
    void* steal_into(worker& into) noexcept;
    worker_metrics metrics() const;
    runtime_core& core() const noexcept { return core_; }
    worker_services& services() const noexcept { return *services_; }
    std::uint32_t index() const noexcept { return index_; }
    // Any thread: the root of the task this worker runs now (nullptr between tasks; see
    // tl_running_root). For the task dump and the stall detector: compare it, never
    // dereference it (it may end at any time).
    promise_base* running_root() const noexcept {
        auto* r = running_root_.load(std::memory_order_acquire);
        return r ? r->load(std::memory_order_relaxed) : nullptr;
    }
    // Any thread: the stall detector's progress counter — resumptions started plus tasks
    // spawned or woken onto this worker (a task spawning in a loop, as weft-bench's W1
    // does, is working with the runtime, not blocking it).
    std::uint64_t progress() const noexcept { return stats_.polled.get() + stats_.spawned.get(); }
    // The worker's thread (valid once started, until joined).
    std::thread::native_handle_type native_thread() noexcept { return thread_.native_handle(); }

    // Shutdown (after join): empties the queues, appending the tasks that never started.
    void drain_unstarted(std::vector<void*>& out);

private:
    void run();
    void* next_task() noexcept;
    void* pop_global() noexcept;
    void* search() noexcept;
    void park();
    void spin_before_park();
    void push_back(void* task) noexcept;
    void stop_searching() noexcept;
    std::uint32_t next_random() noexcept;

    runtime_core& core_;
    const std::uint32_t index_;
    const bool has_peers_;  // more than one worker: there is someone to wake
    local_queue queue_;
    lifo_slots lifo_;
    std::unique_ptr<worker_services> services_;  // timers and I/O of this worker; it parks in them
    std::unique_ptr<void*[]> overflow_buf_;      // half a queue, for push_back's overflow batch
    std::thread thread_;

    // Owner-only state.
    std::uint32_t tick_ = 0;
    std::uint32_t lifo_polls_ = 0;
    std::uint32_t rng_;
    int budget_ = task_budget;
    bool searching_ = false;
    std::atomic<std::atomic<promise_base*>*> running_root_{nullptr};  // the thread's tl_running_root

    struct counters {
        counter polled, spawned, steal_attempts, stolen, parks, unparks, global_pops, overflows;
    } stats_;
    histogram_recorder poll_time_;  // one resumption in poll_sample_period
    static constexpr std::uint64_t poll_sample_period = 128;
};

// The worker running on this thread, or nullptr.
worker* current_worker() noexcept;

}  // namespace weft::detail
