// weft/detail/frame_allocator.hpp — where coroutine frames come from.
//
// A frame is allocated at exactly the size the compiler asks for, with nothing in front of
// it: a spawned task keeps its join protocol in its promise (join_state.hpp). The one case
// where memory must outlive the frame's contents — the runtime destroys an unfinished task
// at shutdown while its join_handle lives on — is handled by the promise: its destructor
// names the frame in tl_frame_to_keep, its operator delete (task.hpp) then keeps the memory
// and writes the size over the dead coroutine header so that the last owner can free it.
//
// Memory comes from a per-thread cache of size classes (no atomics, no locks on the hot
// path), backed by oneTBB's scalable allocator. A frame freed on another thread simply
// joins that thread's cache; each class holds a bounded number of blocks and the rest goes
// back to tbbmalloc, so a producer/consumer pattern cannot hoard memory. Under a sanitizer
// (weft built with one, or a sanitizer's runtime in the process: a user's ASan or TSan
// build) frames come from malloc instead, so the sanitizer sees each frame's life.
//
// Thread safety: each thread allocates from its own cache; a block may be freed on any
// thread.
#pragma once

#include <cstddef>
#include <cstdint>

namespace weft::detail {

// Raw block allocation through the cache (used for frames, exposed for benchmarks).
void* cached_alloc(std::size_t bytes);
void cached_free(void* p, std::size_t bytes) noexcept;
// True when frames come from malloc (a sanitizer is at work; see above).
bool frames_use_malloc() noexcept;
// The backing allocator alone (tbbmalloc), for comparison in benchmarks.
void* scalable_alloc(std::size_t bytes);
void scalable_free(void* p) noexcept;

inline void* allocate_frame(std::size_t n) { return cached_alloc(n); }
inline void deallocate_frame(void* frame, std::size_t n) noexcept { cached_free(frame, n); }

// The frame whose memory the next operator delete on this thread must keep: set by the
// promise's destructor (while it may still read its own state), read by operator delete.
[[gnu::tls_model("initial-exec")]] extern thread_local void* tl_frame_to_keep;

// A frame whose destructors ran but whose memory must stay (see above): its size goes over
// the dead resume pointer, for free_kept_frame.
inline void keep_frame_memory(void* frame, std::size_t n) noexcept { *static_cast<std::size_t*>(frame) = n; }
inline void free_kept_frame(void* frame) noexcept { cached_free(frame, *static_cast<std::size_t*>(frame)); }

}  // namespace weft::detail
