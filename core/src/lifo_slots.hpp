// lifo_slots.hpp — a worker's few most recent tasks, run newest first.
//
// Tasks a worker spawns or wakes land here: the newest is the one whose data is in cache,
// and in fork-join code it is what the parent is about to await — a parent that awaits a
// child still sitting here takes it back and runs it inline (depth-first, like a
// work-first scheduler), instead of suspending and letting the worker go breadth-first
// through the queue.
//
// Protocol: a ring of `slots` atomic pointers. Only the owner stores into a slot (an empty
// one, release); owner and thieves take with an exchange, so each task is taken once.
// base_/count_ are the owner's private view and may include slots a thief emptied: takes
// just skip them. When the ring is full the oldest task moves to the local queue, where
// it is visible to everyone. Thieves take any non-empty slot.
#pragma once

#include <cstdint>

#include <weft/detail/atomic.hpp>

namespace weft::detail {

class lifo_slots {
public:
    // Small on purpose: one pending sibling per level of a fork-join recursion, so 16
    // levels run inline (W2: 8 slots gave 27M, 16 give 28.5M tasks/s on one worker); older
    // work belongs in the queue, where it is stolen in bulk. Thieves scan all of them.
    static constexpr std::uint32_t slots = 16;

    // Owner: stores t as the newest; returns the oldest task if it had to make room.
    void* push(void* t) noexcept {
        void* evicted = nullptr;
        while (count_ == slots && !evicted) {
            evicted = ring_[base_ % slots].exchange(nullptr, std::memory_order_acquire);
            ++base_;
            --count_;
        }
        ring_[(base_ + count_) % slots].store(t, std::memory_order_release);
        ++count_;
        return evicted;
    }

    // Owner: the newest task, or nullptr.
    void* pop() noexcept {
        while (count_ > 0) {
            --count_;
            auto& slot = ring_[(base_ + count_) % slots];
            if (slot.load(std::memory_order_relaxed) == nullptr) continue;
            if (void* t = slot.exchange(nullptr, std::memory_order_acquire)) return t;
        }
        return nullptr;
    }

    // Owner: takes exactly `t` back if it is still here (newest first). The newer entries
    // move down one slot to close the hole: in fork-join code the awaited child is usually
    // the second newest (its sibling was spawned after it), and holes would otherwise eat
    // half the ring and halve the depth that runs inline.
    bool take(void* t) noexcept {
        for (std::uint32_t i = count_; i > 0; --i) {
            auto& slot = ring_[(base_ + i - 1) % slots];
            if (slot.load(std::memory_order_relaxed) != t) continue;
            if (slot.exchange(nullptr, std::memory_order_acquire) != t) return false;  // stolen
            std::uint32_t hole = i - 1;
            for (std::uint32_t j = i; j < count_; ++j) {
                void* newer = ring_[(base_ + j) % slots].exchange(nullptr, std::memory_order_acquire);
                if (!newer) continue;  // a thief took it: the hole stays where it is
                ring_[(base_ + hole) % slots].store(newer, std::memory_order_release);
                ++hole;
            }
            count_ = hole;
            return true;
        }
        return false;
    }

    // Thief: some task here, or nullptr.
    void* steal() noexcept {
        for (std::uint32_t i = 0; i < slots; ++i) {
            auto& slot = ring_[i];
            if (slot.load(std::memory_order_relaxed) == nullptr) continue;
            if (void* t = slot.exchange(nullptr, std::memory_order_acquire)) return t;
        }
        return nullptr;
    }

    // Any thread: whether a task seems to be here.
    bool has_work() const noexcept {
        for (auto& s : ring_)
            if (s.load(std::memory_order_seq_cst)) return true;
        return false;
    }

    // Owner: whether the slots may hold a task (its private count; a thief may have emptied
    // them since). Cheap: no shared loads.
    bool maybe_has_work() const noexcept { return count_ != 0; }

    // Owner (or after the threads stopped).
    void clear() noexcept {
        for (auto& s : ring_) s.store(nullptr, std::memory_order_relaxed);
        base_ = count_ = 0;
    }

private:
    atomic<void*> ring_[slots] = {};
    std::uint32_t base_ = 0;   // owner only
    std::uint32_t count_ = 0;  // owner only
};

}  // namespace weft::detail
