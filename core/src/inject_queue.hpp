// inject_queue.hpp — the runtime's global (injection) queue.
//
// Receives tasks scheduled from outside the workers and the overflow of full local queues.
// A mutex-protected ring of frame addresses: every access moves a batch where it can
// (overflow pushes half a local queue, workers pop a fair share at once), so the lock is
// taken rarely compared with the number of tasks that pass through. size_ is readable
// without the lock so that idle checks stay cheap.
#pragma once

#include <atomic>
#include <cstddef>
#include <deque>
#include <mutex>
#include <utility>

namespace weft::detail {

class inject_queue {
public:
    // False once closed (shutdown): the item was not queued.
    bool push(void* item) {
        std::lock_guard lock(mu_);
        if (closed_) return false;
        items_.push_back(item);
        size_.store(items_.size(), std::memory_order_release);
        return true;
    }
    void push_batch(void* const* items, std::size_t n) {
        std::lock_guard lock(mu_);
        items_.insert(items_.end(), items, items + n);
        size_.store(items_.size(), std::memory_order_release);
    }
    // Pops up to max items into out; returns how many.
    std::size_t pop_batch(void** out, std::size_t max) {
        if (empty()) return 0;
        std::lock_guard lock(mu_);
        std::size_t n = items_.size() < max ? items_.size() : max;
        for (std::size_t i = 0; i < n; ++i) {
            out[i] = items_.front();
            items_.pop_front();
        }
        size_.store(items_.size(), std::memory_order_release);
        return n;
    }
    std::size_t size() const noexcept { return size_.load(std::memory_order_acquire); }
    bool empty() const noexcept { return size() == 0; }
    // Refuses further pushes and hands back what is queued.
    std::deque<void*> close_and_drain() {
        std::lock_guard lock(mu_);
        closed_ = true;
        size_.store(0, std::memory_order_release);
        return std::exchange(items_, {});
    }

private:
    std::mutex mu_;
    std::deque<void*> items_;
    bool closed_ = false;
    std::atomic<std::size_t> size_{0};
};

}  // namespace weft::detail
