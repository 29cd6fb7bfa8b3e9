// task_registry.hpp — every spawned task that has not finished, so that shutdown can
// destroy the ones still suspended or queued (their destructors run, nothing leaks).
//
// Sharded intrusive doubly-linked lists (links live in the promise). A task is added by the
// thread that spawns it, to that worker's shard, and removed by whichever worker runs its
// final step; the shard index travels in the promise. After close() no task is added, and
// drain() hands back every remaining one. Shard locks are held for a few pointer writes.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include <weft/detail/promise_base.hpp>

#include <weft/detail/spin_lock.hpp>

namespace weft::detail {

class task_registry {
public:
    explicit task_registry(std::uint32_t shards) : shards_(std::make_unique<shard[]>(shards)), count_(shards) {}

    bool add(promise_base* p, std::uint32_t hint) noexcept {
        auto idx = static_cast<std::uint16_t>(hint % count_);
        shard& s = shards_[idx];
        s.lock.lock();
        if (closed_.load(std::memory_order_relaxed)) {
            s.lock.unlock();
            return false;
        }
        p->reg_shard_ = idx;
        p->reg_prev_ = nullptr;
        p->reg_next_ = s.head;
        if (s.head) s.head->reg_prev_ = p;
        s.head = p;
        s.size.store(s.size.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
        s.lock.unlock();
        return true;
    }

    void remove(promise_base* p) noexcept {
        shard& s = shards_[p->reg_shard_];
        s.lock.lock();
        if (p->reg_prev_) p->reg_prev_->reg_next_ = p->reg_next_;
        else s.head = p->reg_next_;
        if (p->reg_next_) p->reg_next_->reg_prev_ = p->reg_prev_;
        s.size.store(s.size.load(std::memory_order_relaxed) - 1, std::memory_order_relaxed);
        s.lock.unlock();
    }

    std::uint64_t size() const noexcept {
        std::uint64_t n = 0;
        for (std::uint32_t i = 0; i < count_; ++i) n += shards_[i].size.load(std::memory_order_relaxed);
        return n;
    }

    // Refuses further adds; returns what is left (each entry is still linked: callers
    // destroy the frames, which must not call remove()).
    std::vector<promise_base*> close_and_drain() {
        std::vector<promise_base*> out;
        for (std::uint32_t i = 0; i < count_; ++i) shards_[i].lock.lock();
        closed_.store(true, std::memory_order_relaxed);
        for (std::uint32_t i = 0; i < count_; ++i) {
            for (promise_base* p = shards_[i].head; p; p = p->reg_next_) out.push_back(p);
            shards_[i].head = nullptr;
            shards_[i].size.store(0, std::memory_order_relaxed);
        }
        for (std::uint32_t i = 0; i < count_; ++i) shards_[i].lock.unlock();
        return out;
    }

private:
    struct alignas(64) shard {
        spin_lock lock;
        promise_base* head = nullptr;
        std::atomic<std::uint64_t> size{0};
    };
    std::unique_ptr<shard[]> shards_;
    const std::uint32_t count_;
    std::atomic<bool> closed_{false};
};

}  // namespace weft::detail
