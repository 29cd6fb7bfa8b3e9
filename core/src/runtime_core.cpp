// runtime_core.cpp — start, shutdown, injection and wake-ups of one runtime.
#include "runtime_core.hpp"

#include <dirent.h>

#include <coroutine>
#include <mutex>
#include <thread>
#include <unordered_set>

#include <fmt/format.h>

#include <weft/detail/join_state.hpp>
#include <weft/error.hpp>
#include <weft/internal/log.hpp>

namespace weft::detail {

runtime_core* live_runtimes[max_runtimes];

namespace {
std::mutex live_runtimes_mu;

std::uint16_t take_runtime_id(runtime_core* core) {
    std::lock_guard lock(live_runtimes_mu);
    for (std::size_t i = 1; i < max_runtimes; ++i)
        if (!live_runtimes[i]) {
            live_runtimes[i] = core;
            return static_cast<std::uint16_t>(i);
        }
    throw error("weft::runtime: more than 4095 runtimes alive at once");
}

void give_back_runtime_id(std::uint16_t id) noexcept {
    std::lock_guard lock(live_runtimes_mu);
    live_runtimes[id] = nullptr;
}

// Validates first, so that a bad config never reads the CPU count or takes an id.
const runtime_config& validated(const runtime_config& cfg) {
    cfg.validate();
    return cfg;
}

// Every setting of the file and the environment must have been read by a module of the
// stack; what is left names a section (or a key) nobody reads.
void reject_unread(const std::vector<config_value>& pending, const runtime_services& services) {
    if (pending.empty()) return;
    const config_value& v = pending.front();
    throw config_error(v.source, v.name(), v.text,
                       fmt::format("unknown key: no module of this runtime reads a section [{}] (the runtime has: {})",
                                   v.section, services.describe()));
}

}  // namespace

runtime_core::runtime_core(const runtime_config& cfg, const runtime_stack& stack)
    : config_(validated(cfg)),
      worker_count_(config_.resolved_workers()),
      idle_(worker_count_),
      registry_(worker_count_ * 4) {
    id_ = take_runtime_id(this);
    try {
        set_log_level(config_.log);
        services_ = stack.build(*this, config_);
        reject_unread(config_.sections.pending(), *services_);
        config_.sections.validate();
        workers_.reserve(worker_count_);
        for (std::uint32_t i = 0; i < worker_count_; ++i)
            workers_.push_back(
                std::make_unique<worker>(*this, config_, i, worker_count_, services_->make_worker(*this, i)));
    } catch (...) {
        workers_.clear();
        services_.reset();
        give_back_runtime_id(id_);
        throw;
    }
}

runtime_core::~runtime_core() {
    shutdown();
    workers_.clear();
    services_.reset();
    give_back_runtime_id(id_);
}

void runtime_core::start() {
    if (started_) return;
    started_ = true;
    for (auto& w : workers_) w->start();
    const std::uint32_t stall_ms = config_.resolved_stall_threshold_ms();
    if (stall_ms || config_.dump_signal) {
        watchdog_ = std::make_unique<watchdog>(*this, stall_ms, config_.dump_signal);
        watchdog_->start();
    }
    log().debug("runtime started with {} workers", workers_.size());
}

void runtime_core::shutdown() {
    if (stopped_) return;
    stopped_ = true;
    if (watchdog_) watchdog_->stop();  // kept: a probe it sent may still run until the join
    shutdown_.store(true, std::memory_order_seq_cst);
    for (auto& w : workers_) w->unpark();
    for (auto& w : workers_) w->join();
    // I/O the kernel still owns, blocking threads and offloads may write into task frames
    // or resume them: stop them.
    for (auto& w : workers_) w->services().shutdown();
    services_->shutdown();
    while (offloads_.load(std::memory_order_acquire) != 0) std::this_thread::yield();
    // Nothing runs any more. What is left: tasks that never started (in the queues, tagged)
    // and tasks suspended on something (registered). Queue entries of other kinds point into
    // the frames of registered tasks.
    std::vector<void*> frames;
    {
        std::lock_guard lock(snapshot_mu_);  // a task dump holding queued entries puts them back first
        queues_drained_ = true;
        for (auto& w : workers_) w->drain_unstarted(frames);
        for (void* t : inject_.close_and_drain())
            if (is_unstarted(t)) frames.push_back(frame_of(t));
    }
    std::vector<promise_base*> roots = registry_.close_and_drain();
    // A task that awaits a child it runs inline is not registered: it is suspended until
    // the child finishes. Follow waiter links from every unfinished task to find those
    // (while `waiter` is set, the waiter has not been resumed, so it is alive).
    std::unordered_set<promise_base*> known(roots.begin(), roots.end());
    for (std::size_t i = 0; i < roots.size(); ++i) {
        if (!(roots[i]->join_state() & join_bits::waiter)) continue;  // link_ names no live waiter
        join_waiter* jw = roots[i]->waiter();
        promise_base* w = jw ? jw->root_ : nullptr;
        if (w && known.insert(w).second) roots.push_back(w);
    }
    for (promise_base* p : roots) frames.push_back(p->frame());
    if (!frames.empty()) log().debug("shutdown: destroying {} unfinished tasks", frames.size());
    tearing_down_.store(true, std::memory_order_release);
    // Mark them all first: destroying one may drop the join_handle of another.
    for (void* f : frames) join_word(f).fetch_or(join_bits::destroyed, std::memory_order_acq_rel);
    for (void* f : frames) destroy_destroyed_root(f);
}

bool runtime_core::inject(void* task) noexcept {
    try {
        if (!inject_.push(task)) return false;
    } catch (...) {  // out of memory in the queue: treat like a refusal, the caller cleans up
        return false;
    }
    remote_spawns_.fetch_add(1, std::memory_order_relaxed);
    notify_work();
    return true;
}

void runtime_core::notify_work() noexcept { notify_parked_worker(*this); }

void runtime_core::wake_all_workers() noexcept {
    for (auto& w : workers_) w->unpark();
}

namespace {
std::uint64_t count_open_fds() noexcept {
    std::uint64_t n = 0;
    if (DIR* d = ::opendir("/proc/self/fd")) {
        while (const dirent* e = ::readdir(d))
            if (e->d_name[0] != '.') ++n;
        ::closedir(d);
        if (n > 0) --n;  // the directory's own descriptor
    }
    return n;
}
}  // namespace

bool is_tearing_down(const runtime_core* core) noexcept { return core->is_tearing_down(); }
std::uint16_t core_id(const runtime_core* core) noexcept { return core->id(); }
void wake_all_workers(runtime_core& core) noexcept { core.wake_all_workers(); }
const runtime_config& core_config(const runtime_core* core) noexcept { return core->config(); }
std::uint32_t core_worker_count(const runtime_core* core) noexcept { return core->worker_count(); }
runtime_services& services_of(runtime_core& core) noexcept { return core.services(); }

bool runtime_core::has_pending_work() noexcept { return any_pending_work(*this); }

runtime_metrics runtime_core::metrics() const {
    runtime_metrics m;
    for (auto& w : workers_) m.workers.push_back(w->metrics());
    m.remote_spawns = remote_spawns_.load(std::memory_order_relaxed);
    m.global_queue_depth = inject_.size();
    m.suspended_tasks = registry_.size();
    if (watchdog_) {
        m.stalls = watchdog_->stalls();
        m.scheduling_delays = watchdog_->delayed();
        m.scheduling_delay = watchdog_->probe_delays();
    }
    for (auto& w : workers_)
        if (w->running_root()) ++m.running_tasks;
    m.live_tasks = m.suspended_tasks + m.global_queue_depth + m.total().local_queue_depth + m.running_tasks;
    m.suspended_by_kind = count_suspended_by_kind(const_cast<runtime_core&>(*this));
    m.open_fds = count_open_fds();
    return m;
}

}  // namespace weft::detail
