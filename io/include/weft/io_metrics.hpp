// weft/io_metrics.hpp — what the I/O drivers did: connection locality and the io_uring
// fast path's counters, summed over a runtime's workers.
//
//   weft::io_metrics m = weft::io_metrics_of(rt);
//   fmt::print("{} of {} descriptor ops ran away from their home worker\n", m.fd_ops_remote, m.fd_ops);
//
// A descriptor's home is the worker whose reactor registered it (the epoll set that holds
// it, or the ring its io_uring multishot receive or accept is armed on); its events and
// completions resume the waiting task on that worker, so a task that keeps running
// elsewhere (it was stolen, or it hands the descriptor around) pays a cross-worker wake-up
// per wait. `fd_ops_remote / fd_ops` is the metric to watch with several workers.
//
// Cancellation: none. Thread safety: io_metrics_of may be called from any thread while
// the runtime runs; each counter is read without stopping its worker, so a snapshot is
// consistent enough, not atomic.
#pragma once

#include <cstdint>

#include <weft/io_stack.hpp>

namespace weft {

class runtime;

// What the I/O drivers of a runtime did (weft::io_metrics_of): connection locality and the
// io_uring fast path's counters.
struct io_metrics {
    std::uint64_t fd_ops = 0;         // I/O operations started on a descriptor (read, write, accept...)
    std::uint64_t fd_ops_remote = 0;  // of those, by a task on a worker that is not the descriptor's home
    // io_uring only:
    std::uint64_t multishot_arms = 0;      // multishot receives and accepts armed
    std::uint64_t multishot_rearms = 0;    // of those, armed again after the kernel ended one
    std::uint64_t buffer_exhaustions = 0;  // multishot receives ended by ENOBUFS (no provided buffer free)
    std::uint64_t single_shot_reads = 0;   // reads sent to the ring with their own buffer (none free)
    std::uint64_t ring_enters = 0;         // io_uring_enter calls made by the driver

    // Adds o's counters to these (summing workers).
    io_metrics& operator+=(const io_metrics& o) noexcept;
};

// The counters of rt's I/O drivers, summed; all zero for a runtime built without io.
io_metrics io_metrics_of(const runtime& rt);

}  // namespace weft
