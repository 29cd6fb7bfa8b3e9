// blocking_calls.cpp — where spawn_blocking hands its work over: the runtime's blocking pool.
#include <weft/spawn_blocking.hpp>

#include "reactor.hpp"

namespace weft::detail {

bool submit_blocking(blocking_job* job, void** pool_out) noexcept {
    reactor* r = current_reactor();
    if (!r) return false;
    blocking_pool& pool = r->runtime().blocking();
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

}  // namespace weft::detail
