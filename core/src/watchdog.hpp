// watchdog.hpp — one thread per runtime that watches the workers from outside: the stall
// detector and the dump signal (docs/observability.md).
//
// Stall detector. Every worker counts the resumptions it starts and the tasks it spawns or
// wakes (worker::progress) and publishes the root of the task it runs
// (worker::running_root). Every sample period (a quarter of the threshold, 1..50 ms) the
// watchdog reads both: a worker whose count has not moved while it was running the same
// task for at least `stall_threshold_ms` is stalled — a task is blocking its thread (a
// blocking call, a long computation). It is
// reported once per stall, with the task's spawn site, the worker, how long so far, and a
// backtrace of the worker thread, captured on that thread by a signal handler
// (backtrace(3), async-signal-safe once primed) and symbolised here; at most one report per
// second per runtime (the others are counted). Nothing is added to the workers' paths but
// the counter and the root pointer they keep anyway.
//
// Scheduling delay. Every sample period the watchdog also sends a probe through the
// runtime's global queue and notes when a worker picks it up: a probe that waits longer
// than the threshold means woken tasks wait that long to run (every worker busy, or one
// stuck); it is reported (rate-limited as above) and the delay goes to the metrics.
//
// Dump signal. runtime_config::dump_signal installs a handler that only bumps a counter;
// the watchdog sees it at its next sample (at most 50 ms later) and writes the task dump to
// the log.
//
// Thread safety: constructed and destroyed by the runtime (start after the workers, stop
// before they are joined); stalls() and the delay figures may be read from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

#include <weft/detail/histogram_recorder.hpp>

namespace weft::detail {

class runtime_core;
struct promise_base;

class watchdog {
public:
    // `stall_ms` 0: no stall detection; `dump_signal` 0: none. Needs at least one of them.
    watchdog(runtime_core& core, std::uint32_t stall_ms, int dump_signal);
    ~watchdog();
    watchdog(const watchdog&) = delete;
    watchdog& operator=(const watchdog&) = delete;

    void start();
    void stop() noexcept;

    std::uint64_t stalls() const noexcept { return stalls_.load(std::memory_order_relaxed); }
    std::uint64_t delayed() const noexcept { return delayed_.load(std::memory_order_relaxed); }
    // The last probe's scheduling delay (ns), -1 before the first.
    std::int64_t last_probe_delay_ns() const noexcept { return last_probe_ns_.load(std::memory_order_relaxed); }

    histogram probe_delays() const noexcept { return probe_hist_.snapshot(); }
    // Called by the probe task when a worker runs it.
    void probe_ran(std::int64_t sent_ns) noexcept;

private:
    struct worker_watch {
        std::uint64_t polls = 0;
        promise_base* root = nullptr;
        std::chrono::steady_clock::time_point since{};
        bool reported = false;
    };

    void run();
    void sample(std::chrono::steady_clock::time_point now);
    void report_stall(std::uint32_t index, std::chrono::steady_clock::duration for_how_long);
    bool may_report(std::chrono::steady_clock::time_point now) noexcept;
    void send_probe() noexcept;

    runtime_core& core_;
    const std::uint32_t stall_ms_;
    const int dump_signal_;
    const std::chrono::milliseconds period_;
    std::vector<worker_watch> watch_;
    std::thread thread_;
    std::mutex mu_;
    std::condition_variable cv_;
    bool stop_ = false;
    std::uint64_t dumps_seen_ = 0;
    std::chrono::steady_clock::time_point last_report_{};
    std::uint64_t suppressed_ = 0;
    std::atomic<std::uint64_t> stalls_{0};
    std::atomic<std::uint64_t> delayed_{0};
    std::atomic<std::int64_t> last_probe_ns_{-1};
    std::atomic<bool> probe_in_flight_{false};
    std::atomic<std::int64_t> last_delay_report_ns_{0};
    histogram_recorder probe_hist_;  // written by one probe at a time (probe_in_flight_)
};

}  // namespace weft::detail
