// page_memory.hpp — anonymous memory straight from the kernel (mmap/munmap).
//
// For runtime buffers whose size follows a burst of tasks (the global queue's ring, the
// task registry's segments): memory from malloc stays resident after free() — glibc keeps
// the chunks for reuse, and task frames come from tbbmalloc, so nothing reuses them — while
// munmap gives the pages back at once. Pages are faulted in on first touch, so a mapping
// costs resident memory only for what has been written. Sizes are rounded up to whole
// pages by the kernel; callers pass the same size to unmap_pages as to map_pages.
#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <new>

namespace weft::detail {

// Throws std::bad_alloc when the kernel refuses.
inline void* map_pages(std::size_t bytes) {
    void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    return p;
}

inline void unmap_pages(void* p, std::size_t bytes) noexcept { ::munmap(p, bytes); }

}  // namespace weft::detail
