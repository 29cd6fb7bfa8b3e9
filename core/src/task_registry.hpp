// task_registry.hpp — spawned tasks that are suspended and not finished, so that shutdown
// can destroy them (their destructors run, nothing leaks). See note_suspend in
// weft/detail/scheduler_api.hpp for when a task enters: at its first suspension, so tasks
// that never wait never pay for this.
//
// Sharded: a shard is a mutex and a vector of promises; a promise remembers its shard and
// its index, so removal is O(1) (the last entry moves into the hole). A task is added to
// the shard of the worker it suspends on and removed by whichever worker runs its final
// step. After close_and_drain() nothing is added any more.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include <weft/detail/promise_base.hpp>

namespace weft::detail {

class task_registry {
public:
    // At most 256 shards: a root stores its shard in 8 bits.
    explicit task_registry(std::uint32_t shards)
        : shards_(std::make_unique<shard[]>(shards < 256 ? shards : 256)), count_(shards < 256 ? shards : 256) {}

    // False if the registry is closed (shutdown) or out of memory.
    bool add(promise_base* p, std::uint32_t hint) noexcept {
        auto idx = static_cast<std::uint8_t>(hint % count_);
        shard& s = shards_[idx];
        std::lock_guard lock(s.mu);
        if (s.closed) return false;
        try {
            s.tasks.push_back(p);
        } catch (...) {
            return false;
        }
        p->set_reg_slot(idx, static_cast<std::uint32_t>(s.tasks.size() - 1));
        s.size.store(s.tasks.size(), std::memory_order_relaxed);
        return true;
    }

    void remove(promise_base* p) noexcept {
        shard& s = shards_[p->reg_shard()];
        std::lock_guard lock(s.mu);
        promise_base* last = s.tasks.back();
        const std::uint32_t index = p->reg_index();
        s.tasks[index] = last;
        last->set_reg_index(index);
        s.tasks.pop_back();
        s.size.store(s.tasks.size(), std::memory_order_relaxed);
    }

    std::uint64_t size() const noexcept {
        std::uint64_t n = 0;
        for (std::uint32_t i = 0; i < count_; ++i) n += shards_[i].size.load(std::memory_order_relaxed);
        return n;
    }

    // Refuses further adds and returns what is left (callers destroy those frames; the
    // final steps that would call remove() never run).
    std::vector<promise_base*> close_and_drain() {
        std::vector<promise_base*> out;
        for (std::uint32_t i = 0; i < count_; ++i) {
            shard& s = shards_[i];
            std::lock_guard lock(s.mu);
            s.closed = true;
            out.insert(out.end(), s.tasks.begin(), s.tasks.end());
            s.tasks.clear();
            s.size.store(0, std::memory_order_relaxed);
        }
        return out;
    }

private:
    struct alignas(64) shard {
        std::mutex mu;
        std::vector<promise_base*> tasks;
        std::atomic<std::uint64_t> size{0};
        bool closed = false;
    };
    std::unique_ptr<shard[]> shards_;
    const std::uint32_t count_;
};

}  // namespace weft::detail
