// watchdog.cpp — the stall detector, the scheduling-delay probe and the dump signal (see
// watchdog.hpp).
#include "watchdog.hpp"

#include <execinfo.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include <weft/detail/spawn_site.hpp>
#include <weft/join_handle.hpp>
#include <weft/task.hpp>

#include <weft/internal/log.hpp>
#include "runtime_core.hpp"

namespace weft::detail {
namespace {

using steady = std::chrono::steady_clock;

std::int64_t now_ns() noexcept {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(steady::now().time_since_epoch()).count();
}

// ---- backtrace capture: one at a time in the process ----

// The signal that asks a worker thread for its backtrace. A real-time signal near the top
// of the range, so that it neither collides with SIGUSR1/2 (programs use them) nor with the
// ones the C library reserves at the bottom.
int capture_signal() noexcept { return SIGRTMAX - 3; }

constexpr int max_depth = 64;
struct capture_slot {
    std::atomic<int> state{0};  // 0 idle, 1 armed (the target thread may fill it), 2 done
    std::atomic<pthread_t> target{};
    void* frames[max_depth];
    int depth = 0;
    std::uint16_t site = 0;
    promise_base* root = nullptr;
};
capture_slot g_capture;
std::mutex g_capture_mu;  // one capture at a time

// On the stalled thread. backtrace() is async-signal-safe once libgcc is loaded, which
// prime_backtrace() does on the watchdog thread before the first capture.
void on_capture_signal(int) noexcept {
    const int saved_errno = errno;
    if (g_capture.state.load(std::memory_order_acquire) == 1 &&
        pthread_equal(g_capture.target.load(std::memory_order_relaxed), pthread_self())) {
        g_capture.depth = ::backtrace(g_capture.frames, max_depth);
        promise_base* r = tl_running_root.load(std::memory_order_relaxed);
        g_capture.root = r;
        g_capture.site = r ? r->site() : unknown_site;  // r runs on this thread: alive
        g_capture.state.store(2, std::memory_order_release);
    }
    errno = saved_errno;
}

void install_capture_handler() {
    static std::once_flag once;
    std::call_once(once, [] {
        void* warm[2];
        (void)::backtrace(warm, 2);  // loads libgcc's unwinder now, not in the handler
        struct sigaction sa {};
        sa.sa_handler = &on_capture_signal;
        sigemptyset(&sa.sa_mask);
        sa.sa_flags = SA_RESTART;
        sigaction(capture_signal(), &sa, nullptr);
    });
}

// ---- dump signal: handlers only count ----

constexpr int max_signal = 65;
std::atomic<std::uint64_t> g_dump_requests[max_signal];
std::mutex g_dump_mu;
int g_dump_users[max_signal];
struct sigaction g_dump_previous[max_signal];

void on_dump_signal(int sig) noexcept {
    if (sig > 0 && sig < max_signal) g_dump_requests[sig].fetch_add(1, std::memory_order_relaxed);
}

void acquire_dump_signal(int sig) {
    std::lock_guard lock(g_dump_mu);
    if (g_dump_users[sig]++ > 0) return;
    struct sigaction sa {};
    sa.sa_handler = &on_dump_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(sig, &sa, &g_dump_previous[sig]);
}

void release_dump_signal(int sig) noexcept {
    std::lock_guard lock(g_dump_mu);
    if (--g_dump_users[sig] > 0) return;
    sigaction(sig, &g_dump_previous[sig], nullptr);
}

// The probe: a task that tells the watchdog when a worker ran it.
task<> probe_task(watchdog* w, std::int64_t sent_ns) {
    w->probe_ran(sent_ns);
    co_return;
}

std::string format_backtrace(void* const* frames, int depth) {
    std::string out;
    char** names = ::backtrace_symbols(frames, depth);
    for (int i = 0; i < depth; ++i) {
        out += fmt::format("\n    #{:<2} {}", i, names ? names[i] : fmt::format("{}", frames[i]));
    }
    std::free(names);
    return out;
}

}  // namespace

watchdog::watchdog(runtime_core& core, std::uint32_t stall_ms, int dump_signal)
    : core_(core),
      stall_ms_(stall_ms),
      dump_signal_(dump_signal > 0 && dump_signal < max_signal ? dump_signal : 0),
      period_(stall_ms ? std::chrono::milliseconds(std::clamp<std::uint32_t>(stall_ms / 4, 1, 50))
                       : std::chrono::milliseconds(50)),
      watch_(core.worker_count()) {
    if (stall_ms_) install_capture_handler();
    if (dump_signal_) {
        acquire_dump_signal(dump_signal_);
        dumps_seen_ = g_dump_requests[dump_signal_].load(std::memory_order_relaxed);
    }
}

watchdog::~watchdog() {
    stop();
    if (dump_signal_) release_dump_signal(dump_signal_);
}

void watchdog::start() {
    thread_ = std::thread([this] {
        pthread_setname_np(pthread_self(), "weft-watchdog");
        run();
    });
}

void watchdog::stop() noexcept {
    {
        std::lock_guard lock(mu_);
        stop_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
}

void watchdog::run() {
    std::unique_lock lock(mu_);
    while (!cv_.wait_for(lock, period_, [this] { return stop_; })) {
        lock.unlock();
        const auto now = steady::now();
        if (stall_ms_) {
            sample(now);
            send_probe();
        }
        if (dump_signal_) {
            const std::uint64_t n = g_dump_requests[dump_signal_].load(std::memory_order_relaxed);
            if (n != dumps_seen_) {
                dumps_seen_ = n;
                try {
                    log().warn("task dump (signal {}):\n{}", dump_signal_, dump_core(core_).to_text());
                } catch (const std::exception& e) {
                    log().error("task dump (signal {}) failed: {}", dump_signal_, e.what());
                }
            }
        }
        lock.lock();
    }
}

bool watchdog::may_report(steady::time_point now) noexcept {
    if (last_report_ != steady::time_point{} && now - last_report_ < std::chrono::seconds(1)) {
        ++suppressed_;
        return false;
    }
    last_report_ = now;
    return true;
}

void watchdog::sample(steady::time_point now) {
    const auto threshold = std::chrono::milliseconds(stall_ms_);
    for (std::uint32_t i = 0; i < watch_.size(); ++i) {
        worker& w = core_.worker_at(i);
        worker_watch& s = watch_[i];
        const std::uint64_t polls = w.progress();
        promise_base* root = w.running_root();
        if (!root || polls != s.polls || root != s.root) {  // progress, or idle: start over
            s.polls = polls;
            s.root = root;
            s.since = now;
            s.reported = false;
            continue;
        }
        const auto stalled = now - s.since;
        if (s.reported || stalled < threshold) continue;
        s.reported = true;
        stalls_.fetch_add(1, std::memory_order_relaxed);
        if (may_report(now)) report_stall(i, stalled);
    }
}

void watchdog::report_stall(std::uint32_t index, steady::duration for_how_long) {
    worker& w = core_.worker_at(index);
    std::string trace = " (no backtrace: the thread did not answer)";
    std::uint16_t site = unknown_site;
    {
        std::lock_guard lock(g_capture_mu);
        g_capture.target.store(w.native_thread(), std::memory_order_relaxed);
        g_capture.state.store(1, std::memory_order_release);
        if (pthread_kill(w.native_thread(), capture_signal()) == 0) {
            const auto give_up = steady::now() + std::chrono::milliseconds(200);
            while (g_capture.state.load(std::memory_order_acquire) != 2 && steady::now() < give_up)
                std::this_thread::sleep_for(std::chrono::microseconds(200));
        }
        int expected = 1;
        if (!g_capture.state.compare_exchange_strong(expected, 0, std::memory_order_acq_rel)) {
            // state 2: the handler filled the slot.
            trace = format_backtrace(g_capture.frames, g_capture.depth);
            site = g_capture.site;
            g_capture.state.store(0, std::memory_order_release);
        }
    }
    const spawn_site s = site_of(site);
    const std::string where =
        s.file ? fmt::format("{}:{} in {}", s.file, s.line, readable_function(s.function)) : std::string("<weft>");
    const double ms = std::chrono::duration<double, std::milli>(for_how_long).count();
    log().warn(
        "stall: worker {} has been running one task for {:.0f} ms (threshold {} ms); task {}spawned at {}; "
        "backtrace of the worker:{}{}",
        index, ms, stall_ms_, s.name ? fmt::format("\"{}\" ", s.name) : std::string(), where, trace,
        suppressed_ ? fmt::format("\n  ({} more stall or delay reports suppressed: at most one a second)",
                                  std::exchange(suppressed_, 0))
                    : std::string());
}

void watchdog::send_probe() noexcept {
    // One probe at a time: a probe still waiting is reported when it runs (probe_ran).
    if (probe_in_flight_.load(std::memory_order_acquire)) return;
    const std::int64_t sent = now_ns();
    probe_in_flight_.store(true, std::memory_order_release);
    try {
        auto h = make_root(probe_task(this, sent), &core_);
        if (!start_root(h)) probe_in_flight_.store(false, std::memory_order_release);
    } catch (...) {  // no memory for the probe's frame: try again next period
        probe_in_flight_.store(false, std::memory_order_release);
    }
}

void watchdog::probe_ran(std::int64_t sent_ns) noexcept {
    const std::int64_t delay = now_ns() - sent_ns;
    last_probe_ns_.store(delay, std::memory_order_relaxed);
    probe_hist_.record_ns(delay);
    if (delay >= static_cast<std::int64_t>(stall_ms_) * 1'000'000) {
        delayed_.fetch_add(1, std::memory_order_relaxed);
        // At most one such warning a second (this runs on a worker; no lock shared with run()).
        const std::int64_t now = now_ns();
        std::int64_t last = last_delay_report_ns_.load(std::memory_order_relaxed);
        if (last != 0 && now - last < 1'000'000'000) {
            probe_in_flight_.store(false, std::memory_order_release);
            return;
        }
        last_delay_report_ns_.store(now, std::memory_order_relaxed);
        log().warn(
            "scheduling delay: a task woken {:.1f} ms ago has only now run (threshold {} ms): every worker "
            "was busy, or one is blocked (see the stall reports)",
            static_cast<double>(delay) / 1e6, stall_ms_);
    }
    probe_in_flight_.store(false, std::memory_order_release);
}

}  // namespace weft::detail
