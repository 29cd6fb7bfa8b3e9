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
// it is visible to everyone (its push notifies). Thieves take any non-empty slot. A
// take-back that moves newer tasks down is bracketed by moves_ so that has_work() — a
// parking worker's re-check — never misses a task in the middle of a move.
// tests/mc/test_mc_lifo_slots.cpp model-checks all of it.
#pragma once

#include <cstdint>

#include <weft/detail/atomic.hpp>

namespace weft::detail {

class lifo_slots {
public:
    // Small on purpose: one pending sibling per level of a fork-join recursion, so 16
    // levels run inline (weft-bench fork_join: 8 slots gave 27M, 16 give 28.5M tasks/s on one worker); older
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
            if (i < count_) begin_move();
            for (std::uint32_t j = i; j < count_; ++j) {
                void* newer = ring_[(base_ + j) % slots].exchange(nullptr, std::memory_order_acquire);
                if (!newer) continue;  // a thief took it: the hole stays where it is
                ring_[(base_ + hole) % slots].store(newer, std::memory_order_release);
                ++hole;
            }
            if (i < count_) end_move();
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

    // Any thread: whether a task may be here. Never misses a task that stays in the slots,
    // even while take() moves it (see moves_).
    bool has_work() const noexcept {
        const std::uint32_t before = moves_.load(std::memory_order_acquire);
        for (auto& s : ring_)
            if (s.load(std::memory_order_seq_cst)) return true;
        // Every slot read empty. If one of those reads saw a slot take() emptied while moving
        // its task, the acquire fence makes the odd count (stored before that) visible.
        fence(std::memory_order_acquire);
        return (before & 1) || moves_.load(std::memory_order_relaxed) != before;
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
    // A move makes its task invisible for a moment (between the exchange that empties the
    // old slot and the store that fills the new one): a worker parking right then would
    // re-check the slots, see nothing, and sleep while the task waits behind a long one (no
    // exchange-free move exists: a copy first would let two thieves take the task). So
    // moves are bracketed like a seqlock write: moves_ is odd during a move, and has_work()
    // answers "maybe" if it changed. Owner-written only: plain stores, no RMW, no fence
    // instruction on x86.
    void begin_move() noexcept {
        moves_.store(++moves_seen_, std::memory_order_relaxed);
        fence(std::memory_order_release);  // the odd count before any slot of the move
    }
    void end_move() noexcept { moves_.store(++moves_seen_, std::memory_order_release); }

    atomic<void*> ring_[slots] = {};
    atomic<std::uint32_t> moves_{0};
    std::uint32_t moves_seen_ = 0;  // owner only: moves_ as it last stored it
    std::uint32_t base_ = 0;        // owner only
    std::uint32_t count_ = 0;       // owner only
};

}  // namespace weft::detail
