// inject_queue.hpp — the runtime's global (injection) queue.
//
// Receives tasks scheduled from outside the workers and the overflow of full local queues.
// A mutex-protected ring of frame addresses: every access moves a batch where it can
// (overflow pushes half a local queue, workers pop a fair share at once), so the lock is
// taken rarely compared with the number of tasks that pass through. size_ is readable
// without the lock so that idle checks stay cheap.
//
// Invariants (under mu_): cap_ is 0 or a power of two; the items are
// buf_[(head_ + i) & (cap_ - 1)] for i in [0, len_), oldest first; size_ == len_ after every
// call. The ring doubles when a push does not fit. A burst (one worker spawning a million
// tasks overflows ~1M entries here) must not leave its memory behind: rings of
// map_threshold bytes or more come from mmap, and pop_batch moves the items into a ring half
// the size or smaller once they fill a quarter of a mapped one or less, unmapping the old
// one; a ring larger than min_capacity that empties goes back to min_capacity. Halving at a
// quarter leaves the new ring half full, so growing and shrinking copy O(1) items per item
// amortised.
#pragma once

#include <algorithm>
#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <new>
#include <vector>

#include <weft/detail/atomic.hpp>

#include "os_wait.hpp"

#include "page_memory.hpp"

namespace weft::detail {

class inject_queue {
public:
    // The smallest ring: one 4 KiB page, several overflow batches of a default local queue.
    static constexpr std::size_t min_capacity = 512;
    // Rings of 64 KiB (8192 entries) or more are mapped: below that, what glibc keeps after
    // a free is negligible and new[] is cheaper than a system call.
    static constexpr std::size_t map_threshold = 64 * 1024;

    inject_queue() = default;
    inject_queue(const inject_queue&) = delete;
    inject_queue& operator=(const inject_queue&) = delete;
    ~inject_queue() { release(buf_, cap_); }

    // False once closed (shutdown): the item was not queued. Throws std::bad_alloc.
    bool push(void* item) {
        std::lock_guard lock(mu_);
        if (closed_) return false;
        reserve(len_ + 1);
        buf_[(head_ + len_) & (cap_ - 1)] = item;
        ++len_;
        size_.store(len_, std::memory_order_release);
        return true;
    }
    // A full local queue's overflow. It cannot fail: the caller is the scheduler's wake-up
    // path (noexcept by design: drivers, timers and cancellers call it), and the tasks it
    // carries must not be lost; so a ring that cannot grow is fatal, with a message, as an
    // allocation failure is in tokio's scheduler.
    void push_batch(void* const* items, std::size_t n) noexcept {
        std::lock_guard lock(mu_);
        try {
            reserve(len_ + n);
        } catch (const std::bad_alloc&) {
            std::fprintf(stderr, "weft: out of memory growing the global run queue to %zu tasks\n", len_ + n);
            std::abort();
        }
        std::size_t tail = (head_ + len_) & (cap_ - 1);
        std::size_t first = std::min(n, cap_ - tail);  // up to the end of the buffer, then wrap
        std::copy_n(items, first, buf_ + tail);
        std::copy_n(items + first, n - first, buf_);
        len_ += n;
        size_.store(len_, std::memory_order_release);
    }
    // Pops up to max items into out, oldest first; returns how many.
    std::size_t pop_batch(void** out, std::size_t max) noexcept {
        if (empty()) return 0;
        std::lock_guard lock(mu_);
        std::size_t n = std::min(len_, max);
        std::size_t first = std::min(n, cap_ - head_);
        std::copy_n(buf_ + head_, first, out);
        std::copy_n(buf_, n - first, out + first);
        head_ = (head_ + n) & (cap_ - 1);
        len_ -= n;
        if (cap_ > min_capacity && (len_ == 0 || (is_mapped(cap_) && len_ <= cap_ / 4))) {
            try {
                resize(std::max(min_capacity, std::bit_ceil(len_ * 2)));
            } catch (const std::bad_alloc&) {  // keep the big ring; a later pop tries again
            }
        }
        size_.store(len_, std::memory_order_release);
        return n;
    }
    std::size_t size() const noexcept { return size_.load(std::memory_order_acquire); }
    bool empty() const noexcept { return size() == 0; }
    // Refuses further pushes and hands back what is queued, oldest first; frees the ring.
    std::vector<void*> close_and_drain() {
        std::lock_guard lock(mu_);
        closed_ = true;
        std::vector<void*> out;
        out.reserve(len_);
        for (std::size_t i = 0; i < len_; ++i) out.push_back(buf_[(head_ + i) & (cap_ - 1)]);
        release(buf_, cap_);
        buf_ = nullptr;
        cap_ = head_ = len_ = 0;
        size_.store(0, std::memory_order_release);
        return out;
    }

    // For tests: the ring's current capacity in entries (0 before the first push).
    std::size_t capacity() const {
        std::lock_guard lock(mu_);
        return cap_;
    }

private:
    static bool is_mapped(std::size_t cap) noexcept { return cap * sizeof(void*) >= map_threshold; }
    static void** allocate(std::size_t cap) {
        if (is_mapped(cap)) return static_cast<void**>(map_pages(cap * sizeof(void*)));
        return new void*[cap];
    }
    static void release(void** buf, std::size_t cap) noexcept {
        if (!buf) return;
        if (is_mapped(cap))
            unmap_pages(buf, cap * sizeof(void*));
        else
            delete[] buf;
    }

    // Makes room for `need` items, doubling.
    void reserve(std::size_t need) {
        if (need <= cap_) return;
        std::size_t cap = std::max(min_capacity, cap_ * 2);
        while (cap < need) cap *= 2;
        resize(cap);
    }
    // Moves the items, oldest first, to the start of a new ring of cap >= len_ entries.
    void resize(std::size_t cap) {
        void** buf = allocate(cap);
        std::size_t first = std::min(len_, cap_ - head_);
        std::copy_n(buf_ + head_, first, buf);
        std::copy_n(buf_, len_ - first, buf + first);
        release(buf_, cap_);
        buf_ = buf;
        cap_ = cap;
        head_ = 0;
    }

    mutable mutex mu_;
    void** buf_ = nullptr;
    std::size_t cap_ = 0;
    std::size_t head_ = 0;  // index of the oldest item
    std::size_t len_ = 0;
    bool closed_ = false;
    atomic<std::size_t> size_{0};
};

}  // namespace weft::detail
