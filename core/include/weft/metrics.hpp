// weft/metrics.hpp — what the scheduler did: per-worker counters, histograms and gauges,
// and a runtime snapshot in three formats.
//
//   auto m = rt.metrics();
//   fmt::print("{}\n", m.to_text());       // one line per worker, plus totals
//   std::string j = m.to_json();           // {"workers":[{...}], "total":{...}, ...}
//   std::string p = m.to_prometheus();     // the Prometheus text exposition format
//
// Counters only grow; each is written by its own worker and read without stopping it, so a
// snapshot is a consistent-enough view, not an atomic one. Histograms: poll duration (one
// poll in 128 is timed, so that the clock is not read on every resumption), I/O op latency
// per driver (ops that had to wait, from submission to completion) and scheduling delay
// (the stall detector's probe through the global queue: runtime_config::stall_threshold_ms
// must be on). Gauges: live tasks (suspended + queued + running), suspended tasks by what
// they wait on (the registry is walked for it: O(suspended tasks), one shard lock at a
// time), open descriptors of the process, timers armed, queue depths.
// Thread safety: runtime::metrics() may be called from any thread at any time.
#pragma once

#include <array>
#include <bit>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace weft {

// Bucket i counts values up to 2^(i+first_shift) ns: 1.024 us .. ~8.6 s, then +Inf.
struct histogram {
    static constexpr std::size_t buckets = 25;  // the last one is +Inf
    // Bucket 0 ends at 2^first_shift ns (1.024 us).
    static constexpr int first_shift = 10;
    std::array<std::uint64_t, buckets> counts{};  // per bucket (not cumulative)
    // Samples recorded.
    std::uint64_t count = 0;
    // Sum of the samples, in seconds.
    double sum_s = 0;

    // The bucket a value of ns nanoseconds falls in.
    static constexpr std::size_t bucket_of(std::uint64_t ns) noexcept {
        if (ns <= (std::uint64_t{1} << first_shift)) return 0;
        const auto b = static_cast<std::size_t>(std::bit_width(ns - 1)) - first_shift;
        return b < buckets - 1 ? b : buckets - 1;
    }
    // Upper bound of bucket i in seconds (+Inf for the last).
    static double upper_bound_s(std::size_t i) noexcept;
    // The value below which a fraction q of the samples fall (a bucket's upper bound).
    double quantile_s(double q) const noexcept;
    // Adds o's samples to these (merging workers).
    histogram& operator+=(const histogram& o) noexcept;
};

// One worker's counters (runtime::metrics()).
struct worker_metrics {
    std::uint64_t tasks_polled = 0;       // resumptions started by the worker loop
    std::uint64_t local_spawns = 0;       // tasks spawned or woken onto this worker's queue
    std::uint64_t steal_attempts = 0;     // victims tried
    std::uint64_t tasks_stolen = 0;       // tasks taken from other workers
    std::uint64_t parks = 0;              // times the worker went to sleep
    std::uint64_t unparks = 0;            // times it woke up to search
    std::uint64_t global_queue_pops = 0;  // tasks taken from the global queue
    std::uint64_t overflows = 0;          // times the local queue spilled to the global queue
    std::uint64_t local_queue_depth = 0;  // tasks in the local queue at snapshot time
    std::uint64_t timers_armed = 0;       // timers in this worker's wheel (timers stack)
    histogram poll_duration;              // sampled: one resumption in 128
    histogram io_latency;                 // I/O ops that waited (io stack)
    std::string io_driver;                // "epoll", "io_uring"; empty without the io stack

    // Adds o's counters to these.
    worker_metrics& operator+=(const worker_metrics& o);
};

// A snapshot of the runtime's counters (runtime::metrics()).
struct runtime_metrics {
    // One entry per worker, by index.
    std::vector<worker_metrics> workers;
    std::uint64_t remote_spawns = 0;  // spawns from threads that are not workers
    // Tasks in the global queue at snapshot time.
    std::uint64_t global_queue_depth = 0;
    // Spawned tasks suspended on a wait. A task awaiting a child that it runs inline (see
    // docs/architecture.md) is not counted: its child is.
    std::uint64_t suspended_tasks = 0;
    // Suspended tasks by what they wait on (weft::to_string(wait_kind): "sleep", "fd_read",
    // "event", ...).
    std::map<std::string, std::uint64_t> suspended_by_kind;
    std::uint64_t running_tasks = 0;  // workers running a task at snapshot time
    // suspended + queued (new or woken) + running.
    std::uint64_t live_tasks = 0;
    std::uint64_t open_fds = 0;  // descriptors open in the process (/proc/self/fd)
    // Stall detector (runtime_config::stall_threshold_ms): workers found running one task
    // past the threshold, and scheduling-delay probes that waited past it.
    std::uint64_t stalls = 0;
    // Scheduling-delay probes that waited past the threshold.
    std::uint64_t scheduling_delays = 0;
    histogram scheduling_delay;  // the probes' waits (stall detector on)

    // Every worker's counters added up.
    worker_metrics total() const;
    // The snapshot as human-readable text, one line per worker and a total.
    std::string to_text() const;
    // The snapshot as a JSON object.
    std::string to_json() const;
    // The Prometheus text exposition format (version 0.0.4): one series per worker (label
    // worker="N"; sum() them for totals) and the runtime's gauges, names prefixed weft_.
    std::string to_prometheus() const;
};

}  // namespace weft
