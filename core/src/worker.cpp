// worker.cpp — the scheduling loop (see worker.hpp for the policy).
#include "worker.hpp"

#include <pthread.h>
#include <sched.h>

#include <chrono>
#include <coroutine>
#include <string>

#include <weft/detail/join_state.hpp>

#include <weft/internal/log.hpp>
#include "runtime_core.hpp"

namespace weft::detail {
namespace {
[[gnu::tls_model("initial-exec")]] thread_local worker* tl_worker = nullptr;

// Largest batch a worker takes from the global queue at once.
constexpr std::size_t max_global_batch = 128;

// A parked worker looks for work at least this often while another worker runs (see park).
constexpr std::chrono::nanoseconds strand_backstop = std::chrono::milliseconds(5);
}  // namespace

[[gnu::tls_model("initial-exec")]] thread_local std::atomic<promise_base*> tl_running_root{nullptr};

worker* current_worker() noexcept { return tl_worker; }

worker::worker(runtime_core& core, std::uint32_t index, std::unique_ptr<worker_services> services)
    : core_(core),
      index_(index),
      has_peers_(core.worker_count() > 1),
      queue_(core.config().local_queue_capacity),
      services_(std::move(services)),
      overflow_buf_(std::make_unique<void*[]>(core.config().local_queue_capacity / 2 + 1)),
      rng_(0x9E3779B9u * (index + 1)) {}

void worker::start() {
    thread_ = std::thread([this] { run(); });
}

void worker::join() {
    if (thread_.joinable()) thread_.join();
}

void worker::run() {
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
    running_root_.store(&tl_running_root, std::memory_order_release);
    services_->attach();
    while (!core_.is_shutdown()) {
        void* task = next_task();
        if (!task) {
            // Out of local work: submit the I/O queued meanwhile, take what has completed
            // and fire due timers before looking elsewhere.
            services_->poll();
            task = next_task();
        }
        if (task) {
            // Woken workers start out searching; finding work anywhere ends that, or the
            // count would say "someone is searching" and notify_work() would wake nobody.
            if (searching_) stop_searching();
        } else if (!(task = search())) {
            park();
            continue;
        }
        stats_.polled.add();
        budget_ = task_budget;
        // Every frame in a queue is a weft task's (awaitables require promise_base); its
        // promise sits in the cache line the resumption loads anyway.
        set_running_root(promise_base::of_frame(frame_of(task))->root());
        if (stats_.polled.get() % poll_sample_period == 0) [[unlikely]] {
            const auto t0 = std::chrono::steady_clock::now();
            std::coroutine_handle<>::from_address(frame_of(task)).resume();
            poll_time_.record_ns(
                std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0).count());
        } else {
            std::coroutine_handle<>::from_address(frame_of(task)).resume();
        }
        set_running_root(nullptr);
    }
    services_->detach();
    running_root_.store(nullptr, std::memory_order_release);
    tl_worker = nullptr;
}

void* worker::next_task() noexcept {
    if (++tick_ % core_.config().global_queue_interval == 0) {
        services_->poll();  // due timers land in the LIFO slots
        if (void* t = pop_global()) {
            if (lifo_.maybe_has_work()) core_.notify_work();  // see below
            return t;
        }
    }
    if (lifo_polls_ < core_.config().max_lifo_polls) {
        if (void* t = lifo_.pop()) {
            ++lifo_polls_;
            return t;
        }
    }
    lifo_polls_ = 0;
    if (void* t = queue_.pop()) {
        // Woken tasks wait in the LIFO slots without a wake-up for other workers (they are
        // to run next, here). Running something else first — which may be a long task —
        // must not strand them: let an idle worker come and steal them.
        if (lifo_.maybe_has_work()) core_.notify_work();
        return t;
    }
    if (void* t = lifo_.pop()) return t;
    return pop_global();
}

void* worker::pop_global() noexcept {
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
    return batch[0];
}

void* worker::steal_into(worker& into) noexcept {
    if (void* t = queue_.steal_into(into.queue_)) return t;
    return lifo_.steal();
}

void* worker::search() noexcept {
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
        worker& victim = core_.worker_at(v);
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

void worker::stop_searching() noexcept {
    searching_ = false;
    // The last searcher found work: there may be more, let another worker look.
    if (core_.idle().stop_searching()) core_.notify_work();
}

void worker::spin_before_park() {
    const auto limit = std::chrono::microseconds(core_.config().spin_before_park_us);
    if (limit.count() == 0 || services_->expects_events()) return;
    const auto deadline = std::chrono::steady_clock::now() + limit;
    do {
        if (core_.has_pending_work() || core_.is_shutdown()) return;
        services_->poll();  // timers due while we spin
        if (has_work() || services_->expects_events()) return;
        for (int i = 0; i < 64; ++i) cpu_relax();
    } while (std::chrono::steady_clock::now() < deadline);
}

void worker::park() {
    spin_before_park();
    core_.idle().park(static_cast<int>(index_), searching_);
    searching_ = false;
    stats_.parks.add();
    // Work may have arrived after we last looked but before we were counted as parked: its
    // notifier saw a searcher, or saw us still unparked, and woke nobody. (Example: we could
    // not search because another worker was; it stole a batch, stopped searching while we
    // were not yet parked, and now runs a long task with the batch in its queue.) Every
    // parking worker looks once more, after the RMW that counts it as parked; notify_work()
    // may then wake this very worker.
    if (core_.has_pending_work()) core_.notify_work();
    while (true) {
        if (core_.is_shutdown()) {
            if (!core_.idle().unpark_self(static_cast<int>(index_))) searching_ = true;
            return;
        }
        // Sleep until woken or until the next timer of this worker is due.
        // The reactor's wait also dispatches I/O that completes meanwhile, onto this worker.
        std::chrono::nanoseconds timeout = services_->park_timeout();
        // Backstop: while another worker runs, look for work again every few ms. A task
        // woken into that worker's LIFO slots wakes nobody (rule 5 of idle.hpp covers the
        // case we know: the LIFO cap), so any strand we have not found yet lasts at most
        // this long instead of as long as the long task in front of it.
        if (core_.idle().any_running() && (timeout.count() < 0 || timeout > strand_backstop)) timeout = strand_backstop;
        if (timeout.count() != 0) services_->sleeper().park(timeout);
        if (core_.idle().was_unparked(static_cast<int>(index_))) {
            searching_ = true;  // the notifier counted us as searching
            stats_.unparks.add();
            services_->poll();
            return;
        }
        // A timer is due, the wait timed out, or I/O gave us work: leave by ourselves.
        if (timeout.count() >= 0 || has_work()) {
            if (!core_.idle().unpark_self(static_cast<int>(index_))) searching_ = true;  // a notifier won the race
            services_->poll();
            return;
        }
    }
}

void worker::push_back(void* task) noexcept {
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

void worker::schedule_local(void* task, schedule_hint hint) noexcept {
    stats_.spawned.add();
    if (hint != schedule_hint::yield && core_.config().max_lifo_polls > 0) {
        // Spawned and woken tasks run newest first, on this warm cache; the oldest of the
        // LIFO slots moves to the queue when they are full.
        void* evicted = lifo_.push(task);
        if (evicted) push_back(evicted);
        // A new task is worth a wake-up (idle workers steal from the slots too); a woken one
        // only once something reached the queue, or ping-pong pairs would bounce between
        // workers.
        if ((hint == schedule_hint::spawn || evicted) && has_peers_) core_.notify_work();
        return;
    }
    push_back(task);
    // Alone in its runtime, the worker would only wake itself: skip the fence (weft-bench yield_many at 1 worker).
    if (has_peers_) core_.notify_work();
}

worker_metrics worker::metrics() const {
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

void worker::drain_unstarted(std::vector<void*>& out) {
    while (void* t = queue_.pop())
        if (is_unstarted(t)) out.push_back(frame_of(t));
    while (void* t = lifo_.pop())
        if (is_unstarted(t)) out.push_back(frame_of(t));
    lifo_.clear();
}

std::uint32_t worker::next_random() noexcept {
    rng_ ^= rng_ << 13;
    rng_ ^= rng_ >> 17;
    rng_ ^= rng_ << 5;
    return rng_;
}

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
    std::uintptr_t w = root->link_.load(std::memory_order_relaxed);
    if (promise_base::waiter_needs_arming(w)) {  // only ever true for a child run inline
        root->link_.store(w | 1, std::memory_order_relaxed);
        reinterpret_cast<join_waiter*>(w)->arm();
    }
}

void unregister_root(runtime_core* core, promise_base* root) noexcept { core->registry().remove(root); }

}  // namespace weft::detail
