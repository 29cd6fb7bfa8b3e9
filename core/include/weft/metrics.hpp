// weft/metrics.hpp — what the scheduler did: per-worker counters and a runtime snapshot.
//
//   auto m = rt.metrics();
//   fmt::print("{}\n", m.to_text());       // one line per worker, plus totals
//   std::string j = m.to_json();           // {"workers":[{...}], "total":{...}, ...}
//
// Counters only grow; each is written by its own worker and read without stopping it, so a
// snapshot is a consistent-enough view, not an atomic one.
// Thread safety: runtime::metrics() may be called from any thread at any time.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace weft {

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

    // Every worker's counters added up.
    worker_metrics total() const;
    // The snapshot as human-readable text, one line per worker and a total.
    std::string to_text() const;
    // The snapshot as a JSON object.
    std::string to_json() const;
};

}  // namespace weft
