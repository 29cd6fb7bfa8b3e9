// local_queue.hpp — a worker's bounded run queue.
//
// Protocol (single owner, many thieves; items are coroutine frame addresses):
//   - only the owner writes slots and tail_; it pushes at tail_ and pops at head_ (FIFO);
//   - everyone advances head_ only with a CAS, so each item is taken exactly once;
//   - a thief copies up to half of [head, tail) into its own queue *before* its CAS on
//     head_; if the CAS fails the copy is discarded. This is safe because the owner only
//     writes slot t & mask when t - head < capacity, so no slot in [head, tail) can be
//     overwritten while head_ still equals the value the thief read.
// Counters are 64-bit, so they never wrap in practice (no ABA on head_).
// When full, the owner moves half of the queue to the injection queue in one batch
// (see worker::push_back), which keeps the cost of overflow O(1) per task amortised.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

#include <weft/detail/atomic.hpp>

namespace weft::detail {

class local_queue {
public:
    explicit local_queue(std::uint32_t capacity)
        : buf_(std::make_unique<atomic<void*>[]>(capacity)), mask_(capacity - 1) {}

    std::uint64_t capacity() const noexcept { return mask_ + 1; }

    std::uint64_t size() const noexcept {
        std::uint64_t h = head_.load(std::memory_order_acquire);
        std::uint64_t t = tail_.load(std::memory_order_acquire);
        return t > h ? t - h : 0;
    }
    bool empty() const noexcept { return size() == 0; }

    // Owner only. False when full.
    bool push(void* item) noexcept {
        std::uint64_t t = tail_.load(std::memory_order_relaxed);
        // head_ only grows, so a stale copy is a safe lower bound: read the contended line
        // (thieves CAS it) only when the copy says the queue may be full.
        if (t - head_seen_ > mask_) {
            head_seen_ = head_.load(std::memory_order_acquire);
            if (t - head_seen_ > mask_) return false;
        }
        buf_[t & mask_].store(item, std::memory_order_relaxed);
        tail_.store(t + 1, std::memory_order_release);
        return true;
    }

    // Owner only.
    void* pop() noexcept {
        std::uint64_t h = head_.load(std::memory_order_acquire);
        const std::uint64_t t = tail_.load(std::memory_order_relaxed);
        while (h != t) {
            void* item = buf_[h & mask_].load(std::memory_order_relaxed);
            if (head_.compare_exchange_weak(h, h + 1, std::memory_order_acq_rel, std::memory_order_acquire))
                return item;
        }
        return nullptr;
    }

    // Owner only: takes half of the items (oldest first) into out, for the overflow path.
    // Returns how many were taken (0 if thieves emptied the queue meanwhile).
    std::uint32_t take_half(void** out) noexcept {
        std::uint64_t h = head_.load(std::memory_order_acquire);
        const std::uint64_t t = tail_.load(std::memory_order_relaxed);
        while (true) {
            std::uint64_t n = (t - h) / 2;
            if (n == 0) return 0;
            for (std::uint64_t i = 0; i < n; ++i) out[i] = buf_[(h + i) & mask_].load(std::memory_order_relaxed);
            if (head_.compare_exchange_weak(h, h + n, std::memory_order_acq_rel, std::memory_order_acquire))
                return static_cast<std::uint32_t>(n);
        }
    }

    // Thief: moves half (rounded up) of this queue into dst (the thief's own, empty queue)
    // and returns one of the moved items to run now, or nullptr if there was nothing.
    void* steal_into(local_queue& dst) noexcept {
        std::uint64_t h = head_.load(std::memory_order_acquire);
        const std::uint64_t dt = dst.tail_.load(std::memory_order_relaxed);
        const std::uint64_t room = dst.capacity() - (dt - dst.head_.load(std::memory_order_acquire));
        while (true) {
            std::uint64_t t = tail_.load(std::memory_order_acquire);
            if (t <= h) return nullptr;
            std::uint64_t n = t - h;
            n -= n / 2;
            if (n > room) n = room;
            if (n == 0) return nullptr;
            for (std::uint64_t i = 0; i < n; ++i)
                dst.buf_[(dt + i) & dst.mask_].store(buf_[(h + i) & mask_].load(std::memory_order_relaxed),
                                                     std::memory_order_relaxed);
            if (head_.compare_exchange_weak(h, h + n, std::memory_order_acq_rel, std::memory_order_acquire)) {
                void* last = dst.buf_[(dt + n - 1) & dst.mask_].load(std::memory_order_relaxed);
                if (n > 1) dst.tail_.store(dt + n - 1, std::memory_order_release);
                return last;
            }
        }
    }

private:
    std::unique_ptr<atomic<void*>[]> buf_;
    std::uint64_t mask_;
    alignas(64) atomic<std::uint64_t> head_{0};
    alignas(64) atomic<std::uint64_t> tail_{0};
    std::uint64_t head_seen_ = 0;  // owner only: head_ as last read by push()
};

}  // namespace weft::detail
