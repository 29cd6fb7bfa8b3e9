// frame_alloc.cpp — where task frames come from: weft's per-thread cache
// (detail::cached_alloc) against the tbbmalloc it sits on (detail::scalable_alloc) and
// against std::malloc, for typical frame sizes. Two patterns: an alloc/free pair (the cache's
// best case: the same block every time) and 1000 allocations then 1000 frees (more than a
// cache class holds, so part of them go through to tbbmalloc, as in a burst of spawns).
#include <array>
#include <cstddef>
#include <cstdlib>
#include <new>

#include <weft/detail/frame_allocator.hpp>

#include "micro.hpp"

namespace weft::micro {
namespace {

struct weft_cache {
    static void* alloc(std::size_t n) { return weft::detail::cached_alloc(n); }
    static void free(void* p, std::size_t n) noexcept { weft::detail::cached_free(p, n); }
};

struct tbbmalloc {
    static void* alloc(std::size_t n) { return weft::detail::scalable_alloc(n); }
    static void free(void* p, std::size_t) noexcept { weft::detail::scalable_free(p); }
};

struct libc_malloc {
    static void* alloc(std::size_t n) {
        void* p = std::malloc(n);
        if (!p) throw std::bad_alloc();
        return p;
    }
    static void free(void* p, std::size_t) noexcept { std::free(p); }
};

template <class Allocator>
void BM_alloc_free(benchmark::State& state) {
    const auto size = static_cast<std::size_t>(state.range(0));
    for (auto _ : state) {
        void* p = Allocator::alloc(size);
        benchmark::DoNotOptimize(p);
        Allocator::free(p, size);
    }
    count_batches(state, 1);
}

template <class Allocator>
void BM_alloc_free_1000(benchmark::State& state) {
    constexpr std::size_t blocks = 1000;
    const auto size = static_cast<std::size_t>(state.range(0));
    std::array<void*, blocks> live{};
    for (auto _ : state) {
        for (void*& p : live) p = Allocator::alloc(size);
        benchmark::DoNotOptimize(live.data());
        benchmark::ClobberMemory();
        for (void* p : live) Allocator::free(p, size);
    }
    count_batches(state, blocks);
}

// Typical frame sizes (an empty task's frame is 64 bytes, one waiting on an event about 112).
void frame_sizes(benchmark::internal::Benchmark* b) { b->ArgName("bytes")->Arg(64)->Arg(128)->Arg(256); }

BENCHMARK_TEMPLATE(BM_alloc_free, weft_cache)->Apply(frame_sizes);
BENCHMARK_TEMPLATE(BM_alloc_free, tbbmalloc)->Apply(frame_sizes);
BENCHMARK_TEMPLATE(BM_alloc_free, libc_malloc)->Apply(frame_sizes);
BENCHMARK_TEMPLATE(BM_alloc_free_1000, weft_cache)->Apply(frame_sizes);
BENCHMARK_TEMPLATE(BM_alloc_free_1000, tbbmalloc)->Apply(frame_sizes);
BENCHMARK_TEMPLATE(BM_alloc_free_1000, libc_malloc)->Apply(frame_sizes);

}  // namespace
}  // namespace weft::micro
