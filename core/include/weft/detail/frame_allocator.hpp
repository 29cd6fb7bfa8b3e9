// weft/detail/frame_allocator.hpp — where coroutine frames come from.
//
// Every task frame is allocated with a 16-byte frame_prefix in front of it. The prefix
// outlives the frame's contents: a join_handle may still look at a task's state after the
// runtime destroyed the frame (at shutdown), so the memory is returned only when the last
// of {frame, join_handle} lets go of it (refs).
//
// Memory comes from a per-thread cache of size classes (no atomics, no locks on the hot
// path), backed by oneTBB's scalable allocator. A frame freed on another thread simply
// joins that thread's cache; each class holds a bounded number of blocks and the rest goes
// back to tbbmalloc, so a producer/consumer pattern cannot hoard memory.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace weft::detail {

struct alignas(16) frame_prefix {
    std::atomic<std::uint32_t> refs{1};   // 1 for the frame, +1 while a join_handle holds it
    std::atomic<std::uint32_t> state{0};  // join protocol bits (see join_state.hpp)
    std::uint32_t size = 0;               // bytes requested for the frame (without prefix)
};
static_assert(sizeof(frame_prefix) == 16);

// Raw block allocation through the cache (used for frames, exposed for benchmarks).
void* cached_alloc(std::size_t bytes);
void cached_free(void* p, std::size_t bytes) noexcept;
// The backing allocator alone (tbbmalloc), for comparison in benchmarks.
void* scalable_alloc(std::size_t bytes);
void scalable_free(void* p) noexcept;

inline frame_prefix* prefix_of(void* frame) noexcept { return static_cast<frame_prefix*>(frame) - 1; }

inline void* allocate_frame(std::size_t n) {
    void* raw = cached_alloc(n + sizeof(frame_prefix));
    auto* pre = ::new (raw) frame_prefix;
    pre->size = static_cast<std::uint32_t>(n);
    return pre + 1;
}

inline void free_prefix(frame_prefix* pre) noexcept {
    std::size_t n = pre->size;
    pre->~frame_prefix();
    cached_free(pre, n + sizeof(frame_prefix));
}

// Drops one reference; frees the memory with the last one.
inline void release_frame_ref(frame_prefix* pre) noexcept {
    // Only the frame holds it: nobody can add a reference any more, skip the RMW.
    if (pre->refs.load(std::memory_order_acquire) == 1 || pre->refs.fetch_sub(1, std::memory_order_acq_rel) == 1)
        free_prefix(pre);
}

// Called from the promise's operator delete, after the frame's destructors ran.
inline void deallocate_frame(void* frame) noexcept { release_frame_ref(prefix_of(frame)); }

}  // namespace weft::detail
