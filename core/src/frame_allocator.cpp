// frame_allocator.cpp — the per-thread frame cache in front of tbbmalloc.
// Size classes of 16 bytes up to max_cached; each class is a singly linked free list of at
// most max_blocks_per_class blocks (the link lives in the free block itself). Larger frames
// and overflow go straight to scalable_malloc. The cache is drained when its thread exits.
#include <weft/detail/frame_allocator.hpp>

#include <cstdlib>
#include <new>

#include <oneapi/tbb/scalable_allocator.h>

namespace weft::detail {
namespace {

constexpr std::size_t granule = 16;
constexpr std::size_t max_cached = 1024;  // frames above this are rare; not cached
constexpr std::size_t classes = max_cached / granule;
constexpr std::uint32_t max_blocks_per_class = 512;  // bounds a thread's hoard to ~0.5 MiB per class

struct free_block {
    free_block* next;
};

// Trivially constructible and destructible, so that access is a plain TLS load (no
// lazy-initialisation guard); initial-exec because the library is loaded at start-up.
struct frame_cache {
    free_block* heads[classes];
    std::uint32_t counts[classes];
    bool dead;  // the thread is exiting: bypass the cache
};
[[gnu::tls_model("initial-exec")]] thread_local frame_cache tl_cache{};

// Gives a thread's hoard back when the thread exits; touched when the cache first grows.
struct cache_reaper {
    ~cache_reaper() {
        tl_cache.dead = true;
        for (std::size_t c = 0; c < classes; ++c) {
            while (free_block* b = tl_cache.heads[c]) {
                tl_cache.heads[c] = b->next;
                ::scalable_free(b);
            }
            tl_cache.counts[c] = 0;
        }
    }
};
thread_local cache_reaper tl_reaper;

inline std::size_t class_of(std::size_t bytes) noexcept { return (bytes + granule - 1) / granule - 1; }

}  // namespace

[[gnu::tls_model("initial-exec")]] thread_local void* tl_frame_to_keep = nullptr;

void* scalable_alloc(std::size_t bytes) {
    void* p = ::scalable_malloc(bytes);
    if (!p) throw std::bad_alloc();
    return p;
}

void scalable_free(void* p) noexcept { ::scalable_free(p); }

// Frames come from malloc instead, so that a sanitizer sees every frame's life — ASan a use
// after free of a frame, TSan the hand-over of memory between threads (tbbmalloc is not
// instrumented, and neither is the cache): in weft's own sanitizer builds
// (WEFT_PLAIN_FRAME_ALLOC, set by meson.build), and whenever a sanitizer's runtime is loaded
// into the process — a user's ASan or TSan build linked against an uninstrumented weft —
// since malloc is then the sanitizer's. The test is the address of a weak symbol of each
// sanitizer's runtime, fixed when the program is loaded: two loads per call, and right even
// for frames allocated by other static initialisers (no initialisation order to get wrong).
extern "C" {
[[gnu::weak]] void __asan_init();
[[gnu::weak]] void __tsan_init();
}

namespace {
inline bool plain_frames_now() noexcept {
#if WEFT_PLAIN_FRAME_ALLOC
    return true;
#else
    return &__asan_init != nullptr || &__tsan_init != nullptr;
#endif
}
}  // namespace

bool frames_use_malloc() noexcept { return plain_frames_now(); }

void* cached_alloc(std::size_t bytes) {
    if (plain_frames_now()) [[unlikely]] {
        void* p = std::malloc(bytes);
        if (!p) throw std::bad_alloc();
        return p;
    }
    if (bytes > max_cached) return scalable_alloc(bytes);
    // Always allocate the whole class, so that any block can later serve any frame of it.
    std::size_t c = class_of(bytes);
    frame_cache& cache = tl_cache;
    if (!cache.dead) {
        if (free_block* b = cache.heads[c]) {
            cache.heads[c] = b->next;
            --cache.counts[c];
            return b;
        }
    }
    return scalable_alloc((c + 1) * granule);
}

void cached_free(void* p, std::size_t bytes) noexcept {
    if (plain_frames_now()) [[unlikely]] {
        std::free(p);
        return;
    }
    frame_cache& cache = tl_cache;
    if (bytes <= max_cached && !cache.dead) {
        std::size_t c = class_of(bytes);
        if (cache.counts[c] < max_blocks_per_class) {
            if (cache.counts[c] == 0) (void)&tl_reaper;  // make sure this thread's hoard is reaped
            auto* b = static_cast<free_block*>(p);
            b->next = cache.heads[c];
            cache.heads[c] = b;
            ++cache.counts[c];
            return;
        }
    }
    ::scalable_free(p);
}

}  // namespace weft::detail
