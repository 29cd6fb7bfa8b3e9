// worker.hpp — one scheduler thread: its run queue, LIFO slots, services and counters, and
// the scheduling loop with its half of the no-lost-wake-up protocol (idle.hpp has the
// other half).
//
// Ownership: only the worker's own thread pushes to its queue, fills its LIFO slots and
// writes its counters; other workers may steal from the queue (see local_queue.hpp) and
// take a LIFO slot (an atomic exchange), and anyone may unpark it.
//
// Loop: run local work — the LIFO slots first (newest first; see lifo_slots.hpp), at most
// max_lifo_polls times in a row so a ping-pong pair or a spawning loop cannot starve the
// queue, then the queue — and every global_queue_interval tasks the global queue first,
// so injected work is never starved. Out of work: poll the services (timers, I/O), search
// (steal half of a random victim's queue, then the global queue, then run what is due
// for workers stuck in long tasks), then park in the services' parker (the I/O driver's wait, or a futex). Each
// resumption gets a fresh cooperative budget. The rules that keep a parked worker from
// missing work are numbered in docs/architecture.md ("Searching and parking").
//
// The worker is a template over its pool (the runtime's shared state) so that the model
// checker (tests/mc/) runs this very loop, queues and idle protocol against a simulated
// pool; the runtime instantiates it once, as `worker` (runtime_core.hpp, worker.cpp).
// A Pool provides: global_queue(), idle(), worker_count(), worker_at(i), is_shutdown(),
// notify_work(), has_pending_work() and run_task(entry).
#pragma once

#include <chrono>
#include <coroutine>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

#include <weft/config.hpp>
#include <weft/detail/scheduler_api.hpp>
#include <weft/detail/wait_stamp.hpp>
#include <weft/detail/worker_services.hpp>
#include <weft/metrics.hpp>

#include <weft/detail/histogram_recorder.hpp>

#include "counter.hpp"
#include "inject_queue.hpp"
#include "lifo_slots.hpp"
#include "local_queue.hpp"

namespace weft::detail {

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

// Largest batch a worker takes from the global queue at once.
inline constexpr std::size_t max_global_batch = 128;

template <class Pool>
class basic_worker {
public:
    // `workers`: how many the pool has in all (a lone worker has nobody to wake).
    basic_worker(Pool& pool, const runtime_config& cfg, std::uint32_t index, std::uint32_t workers,
                 std::unique_ptr<worker_services> services)
        : core_(pool),
          index_(index),
          has_peers_(workers > 1),
          global_queue_interval_(cfg.global_queue_interval),
          max_lifo_polls_(cfg.max_lifo_polls),
          spin_before_park_(std::chrono::microseconds(cfg.spin_before_park_us)),
          queue_(cfg.local_queue_capacity),
          services_(std::move(services)),
          overflow_buf_(std::make_unique<void*[]>(cfg.local_queue_capacity / 2 + 1)),
          rng_(0x9E3779B9u * (index + 1)) {}
    basic_worker(const basic_worker&) = delete;
    basic_worker& operator=(const basic_worker&) = delete;

    // worker.cpp: the thread (name, CPU pinning) around run_loop().
    void start();
    void join();

    // The scheduling loop, on the worker's thread, until the pool shuts down.
    void run_loop() {
        refresh_wait_clock();  // and at each sampled resumption and wake (wait_stamp.hpp)
        while (!core_.is_shutdown()) {
            void* task = next_task();
            if (!task) {
                // Out of local work: submit the I/O queued meanwhile, take what has completed
                // and fire due timers before looking elsewhere. Alone in the runtime there is
                // nowhere else to look: the park that follows waits in the I/O driver, which
                // returns at once with whatever is ready, so polling the driver here would be
                // one more syscall per idle moment (timers only, as after a park).
                if (has_peers_)
                    services_->poll();
                else
                    services_->poll_timers();
                task = next_task();
            }
            if (task) {
                // Woken workers start out searching; finding work anywhere ends that, or the
                // count would say "someone is searching" and notify_work() would wake nobody.
                if (searching_) stop_searching();
            } else if (!(task = search())) {
                park();
                refresh_wait_clock();
                continue;
            }
            stats_.polled.add();
            budget_ = task_budget;
            if (stats_.polled.get() % poll_sample_period == 0) [[unlikely]] {
                const auto t0 = std::chrono::steady_clock::now();
                refresh_wait_clock(std::chrono::duration_cast<std::chrono::nanoseconds>(t0.time_since_epoch()).count());
                core_.run_task(task);
                poll_time_.record_ns(
                    std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0)
                        .count());
            } else {
                core_.run_task(task);
            }
        }
    }

    // Worker thread only.
    void schedule_local(void* task, schedule_hint hint) noexcept {
        stats_.spawned.add();
        if (hint != schedule_hint::yield && max_lifo_polls_ > 0) {
            // Spawned and woken tasks run newest first, on this warm cache; the oldest of the
            // LIFO slots moves to the queue when they are full.
            const bool others = lifo_.maybe_has_work();
            void* evicted = lifo_.push(task);
            if (evicted) push_back(evicted);
            // A new task is worth a wake-up (idle workers steal from the slots too). A woken
            // one only when it is not the only task waiting here: alone, it runs next, on
            // this worker (a ping-pong pair must not bounce between workers); behind or in
            // front of another one, one of them may wait for a long task to end — let an
            // idle worker come and steal it (as tokio's LIFO slot does when it is taken).
            if ((hint == schedule_hint::spawn || others || evicted) && has_peers_) core_.notify_work();
            return;
        }
        push_back(task);
        // Alone in its runtime, the worker would only wake itself: skip the fence (weft-bench yield_many at 1 worker).
        if (has_peers_) core_.notify_work();
    }
    bool consume_budget() noexcept { return --budget_ > 0; }

    // Any thread.
    void unpark() noexcept { services_->sleeper().unpark(); }
    bool has_work() const noexcept { return !queue_.empty() || lifo_.has_work(); }
    // Worker thread only: takes a task that has not started yet back from the LIFO slots.
    bool take_back(void* frame) noexcept { return lifo_.take(tag_unstarted(frame)); }
    // Thief side: takes half of the queue into `into`'s queue, or a LIFO slot.
    void* steal_into(basic_worker& into) noexcept {
        if (void* t = queue_.steal_into(into.queue_)) return t;
        return lifo_.steal();
    }
    worker_metrics metrics() const {
        worker_metrics m;
        m.tasks_polled = stats_.polled.get();
        m.local_spawns = stats_.spawned.get();
        m.steal_attempts = stats_.steal_attempts.get();
        m.tasks_stolen = stats_.stolen.get();
        m.parks = stats_.parks.get();
        m.unparks = stats_.unparks.get();
        m.global_queue_pops = stats_.global_pops.get();
        m.overflows = stats_.overflows.get();
        m.local_queue_depth = queue_.size();
        m.poll_duration = poll_time_.snapshot();
        services_->add_metrics(m);
        return m;
    }
    Pool& core() const noexcept { return core_; }
    worker_services& services() const noexcept { return *services_; }
    std::uint32_t index() const noexcept { return index_; }
    // Any thread: the root of the task this worker runs now (nullptr between tasks; see
    // tl_running_root). For the task dump and the stall detector: compare it, never
    // dereference it (it may end at any time).
    promise_base* running_root() const noexcept {
        auto* r = running_root_.load(std::memory_order_acquire);
        return r ? r->load(std::memory_order_relaxed) : nullptr;
    }
    // Any thread: the spawn site of running_root() (0 between tasks). Read it between two
    // reads of running_root() that agree, to pair it with that task.
    std::uint16_t running_site() const noexcept {
        auto* s = running_site_.load(std::memory_order_acquire);
        return s ? s->load(std::memory_order_relaxed) : 0;
    }
    // Any thread, for the task dump: takes every entry of the queue and the LIFO slots (as
    // a thief does, so each is taken once) and appends them to `out`. The caller owns them
    // and must put them back (the global queue). Bounded: the owner may push meanwhile.
    void take_all(std::vector<void*>& out) {
        local_queue into(static_cast<std::uint32_t>(queue_.capacity()));
        const std::uint64_t limit = 2 * queue_.capacity() + lifo_slots::slots;
        const std::size_t start = out.size();
        while (out.size() - start < limit) {
            void* t = queue_.steal_into(into);
            if (!t) break;
            out.push_back(t);
            while (void* u = into.pop()) out.push_back(u);
        }
        for (std::uint32_t i = 0; i < lifo_slots::slots; ++i) {
            void* t = lifo_.steal();
            if (!t) break;
            out.push_back(t);
        }
    }
    // Any thread: the stall detector's progress counter — resumptions started plus tasks
    // spawned or woken onto this worker (a task spawning in a loop, as weft-bench's W1
    // does, is working with the runtime, not blocking it).
    std::uint64_t progress() const noexcept { return stats_.polled.get() + stats_.spawned.get(); }
    // The worker's thread (valid once started, until joined).
    std::thread::native_handle_type native_thread() noexcept { return thread_.native_handle(); }

    // Shutdown (after join): empties the queues, appending the tasks that never started.
    void drain_unstarted(std::vector<void*>& out) {
        while (void* t = queue_.pop())
            if (is_unstarted(t)) out.push_back(frame_of(t));
        while (void* t = lifo_.pop())
            if (is_unstarted(t)) out.push_back(frame_of(t));
        lifo_.clear();
    }

private:
    void run();  // worker.cpp: the thread's body

    void* next_task() noexcept {
        if (++tick_ % global_queue_interval_ == 0) {
            services_->poll();  // due timers land in the LIFO slots
            if (void* t = pop_global()) {
                if (lifo_.maybe_has_work()) core_.notify_work();  // see below
                return t;
            }
        }
        if (lifo_polls_ < max_lifo_polls_) {
            if (void* t = lifo_.pop()) {
                ++lifo_polls_;
                return t;
            }
        }
        lifo_polls_ = 0;
        if (void* t = queue_.pop()) {
            // Woken tasks wait in the LIFO slots without a wake-up for other workers (they
            // are to run next, here). Running something else first — which may be a long
            // task — must not strand them: let an idle worker come and steal them.
            if (lifo_.maybe_has_work()) core_.notify_work();
            return t;
        }
        if (void* t = lifo_.pop()) return t;
        return pop_global();
    }

    void* pop_global() noexcept {
        inject_queue& global = core_.global_queue();
        std::size_t avail = global.size();
        if (avail == 0) return nullptr;
        // A fair share: what is there divided among the workers, bounded by half our queue.
        std::size_t want = avail / core_.worker_count() + 1;
        std::size_t room = static_cast<std::size_t>(queue_.capacity() - queue_.size());
        if (want > room / 2 + 1) want = room / 2 + 1;
        if (want > max_global_batch) want = max_global_batch;
        void* batch[max_global_batch];
        std::size_t n = global.pop_batch(batch, want);
        if (n == 0) return nullptr;
        stats_.global_pops.add(n);
        for (std::size_t i = 1; i < n; ++i) push_back(batch[i]);
        // The rest of the batch reached our queue without a wake-up, and we may be about to
        // run a long task: a worker that parked meanwhile re-checked the queues while these
        // tasks were in neither (or before our stores reached it), and sleeps. Like every
        // other push, this one notifies (rule 2). This was the un-notified push behind the
        // old 5 ms backstop (tests/mc/test_mc_scheduler.cpp, blocked_behind_a_global_batch).
        if (n > 1 && has_peers_) core_.notify_work();
        return batch[0];
    }

    void* search() noexcept {
        if (!searching_) {
            if (!core_.idle().try_start_searching()) return nullptr;
            searching_ = true;
        }
        std::uint32_t n = core_.worker_count();
        std::uint32_t start = next_random() % n;
        for (std::uint32_t i = 0; i < n; ++i) {
            std::uint32_t v = (start + i) % n;
            if (v == index_) continue;
            stats_.steal_attempts.add();
            basic_worker& victim = core_.worker_at(v);
            std::uint64_t before = queue_.size();
            if (void* t = victim.steal_into(*this)) {
                stats_.stolen.add(queue_.size() - before + 1);
                stop_searching();
                return t;
            }
        }
        if (void* t = pop_global()) {
            stop_searching();
            return t;
        }
        // I/O or timers of a worker stuck in a long task: run them here.
        if (services_->help_peers()) {
            if (void* t = next_task()) {
                stop_searching();
                return t;
            }
        }
        return nullptr;
    }

    void stop_searching() noexcept {
        searching_ = false;
        // The last searcher found work: there may be more, let another worker look.
        if (core_.idle().stop_searching()) core_.notify_work();
    }

    void spin_before_park() {
        if (spin_before_park_.count() == 0 || services_->expects_events()) return;
        const auto deadline = std::chrono::steady_clock::now() + spin_before_park_;
        do {
            if (core_.has_pending_work() || core_.is_shutdown()) return;
            services_->poll();  // timers due while we spin
            if (has_work() || services_->expects_events()) return;
            for (int i = 0; i < 64; ++i) cpu_relax();
        } while (std::chrono::steady_clock::now() < deadline);
    }

    void park() {
        spin_before_park();
        core_.idle().park(static_cast<int>(index_), searching_);
        searching_ = false;
        stats_.parks.add();
        // Work may have arrived after we last looked but before we were counted as parked:
        // its notifier saw a searcher, or saw us still unparked, and woke nobody. (Example:
        // we could not search because another worker was; it stole a batch, stopped
        // searching while we were not yet parked, and now runs a long task with the batch
        // in its queue.) Every parking worker looks once more, after the RMW that counts it
        // as parked; notify_work() may then wake this very worker.
        if (core_.has_pending_work()) core_.notify_work();
        while (true) {
            if (core_.is_shutdown()) {
                if (!core_.idle().unpark_self(static_cast<int>(index_))) searching_ = true;
                return;
            }
            // Sleep until woken or until the next timer of this worker is due.
            // The reactor's wait also dispatches I/O that completes meanwhile, onto this worker.
            const std::chrono::nanoseconds timeout = services_->park_timeout();
            if (timeout.count() != 0) services_->sleeper().park(timeout);
            if (core_.idle().was_unparked(static_cast<int>(index_))) {
                searching_ = true;  // the notifier counted us as searching
                stats_.unparks.add();
                services_->poll_timers();
                return;
            }
            // A timer is due, the wait timed out, or I/O gave us work: leave by ourselves.
            if (timeout.count() >= 0 || has_work()) {
                if (!core_.idle().unpark_self(static_cast<int>(index_))) searching_ = true;  // a notifier won the race
                services_->poll_timers();
                return;
            }
        }
    }

    void push_back(void* task) noexcept {
        while (!queue_.push(task)) {
            // Full: move half of the queue, plus this task, to the global queue in one batch.
            void** batch = overflow_buf_.get();
            std::uint32_t n = queue_.take_half(batch);
            if (n == 0) continue;  // thieves emptied it meanwhile; the push will succeed
            batch[n++] = task;
            core_.global_queue().push_batch(batch, n);
            stats_.overflows.add();
            return;
        }
    }

    std::uint32_t next_random() noexcept {
        rng_ ^= rng_ << 13;
        rng_ ^= rng_ >> 17;
        rng_ ^= rng_ << 5;
        return rng_;
    }

    Pool& core_;
    const std::uint32_t index_;
    const bool has_peers_;  // more than one worker: there is someone to wake
    const std::uint32_t global_queue_interval_;
    const std::uint32_t max_lifo_polls_;
    const std::chrono::microseconds spin_before_park_;
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
    std::atomic<std::atomic<std::uint16_t>*> running_site_{nullptr};  // the thread's tl_running_site

    struct counters {
        counter polled, spawned, steal_attempts, stolen, parks, unparks, global_pops, overflows;
    } stats_;
    histogram_recorder poll_time_;  // one resumption in poll_sample_period
    static constexpr std::uint64_t poll_sample_period = 128;
};

// The pool's side of the protocol, shared by the runtime and the model checker.
// Wakes a parked worker if nobody is searching for work (rule 2, idle.hpp).
template <class Pool>
void notify_parked_worker(Pool& pool) noexcept {
    int idx = pool.idle().worker_to_notify();
    if (idx >= 0) pool.worker_at(static_cast<std::uint32_t>(idx)).unpark();
}
// True if any queue holds work (the re-check of a parking worker, rule 4).
template <class Pool>
bool any_pending_work(Pool& pool) noexcept {
    if (!pool.global_queue().empty()) return true;
    for (std::uint32_t i = 0; i < pool.worker_count(); ++i)
        if (pool.worker_at(i).has_work()) return true;
    return false;
}

class runtime_core;
using worker = basic_worker<runtime_core>;

// The worker running on this thread, or nullptr.
worker* current_worker() noexcept;

}  // namespace weft::detail
