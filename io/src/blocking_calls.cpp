// blocking_calls.cpp — where spawn_blocking and offload hand their work over: the
// runtime's blocking pool, and a oneTBB task arena shared by the process.
#include <oneapi/tbb/task_arena.h>

#include <weft/offload.hpp>
#include <weft/spawn_blocking.hpp>

#include "reactor.hpp"

namespace weft::detail {

bool submit_blocking(blocking_job* job, void** pool_out) noexcept {
    reactor* r = current_reactor();
    if (!r) return false;
    blocking_pool& pool = r->shared().blocking;
    *pool_out = &pool;
    try {
        return pool.submit(job);
    } catch (...) {
        return false;
    }
}

bool take_back_blocking(blocking_job* job, void* pool) noexcept {
    return static_cast<blocking_pool*>(pool)->take_back(job);
}

bool submit_offload(void (*run)(void*) noexcept, void* ctx) noexcept {
    reactor* r = current_reactor();
    if (!r) return false;
    static tbb::task_arena arena;  // all cores; initialised on first use
    io_shared* shared = &r->shared();
    shared->offloads.fetch_add(1, std::memory_order_relaxed);
    try {
        arena.enqueue([run, ctx, shared] {
            run(ctx);
            // Shutdown waits for this count: the runtime outlives this line.
            shared->offloads.fetch_sub(1, std::memory_order_release);
        });
    } catch (...) {
        shared->offloads.fetch_sub(1, std::memory_order_relaxed);
        return false;
    }
    return true;
}

}  // namespace weft::detail
