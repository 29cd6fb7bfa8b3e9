// offload.cpp — where offload() hands its work over: a oneTBB task arena shared by the
// process. The runtime counts the calls in flight, and its shutdown waits for them (each
// resumes a task frame when it ends).
#include <oneapi/tbb/task_arena.h>

#include <weft/offload.hpp>

#include "runtime_core.hpp"
#include "worker.hpp"

namespace weft::detail {

bool submit_offload(void (*run)(void*) noexcept, void* ctx) noexcept {
    worker* w = current_worker();
    if (!w) return false;
    static tbb::task_arena arena;  // all cores; initialised on first use
    std::atomic<std::uint64_t>* in_flight = &w->core().offloads();
    in_flight->fetch_add(1, std::memory_order_relaxed);
    try {
        arena.enqueue([run, ctx, in_flight] {
            run(ctx);
            // Shutdown waits for this count: the runtime outlives this line.
            in_flight->fetch_sub(1, std::memory_order_release);
        });
    } catch (...) {
        in_flight->fetch_sub(1, std::memory_order_relaxed);
        return false;
    }
    return true;
}

}  // namespace weft::detail
