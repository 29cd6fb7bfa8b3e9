// idle.hpp — which workers are searching for work and which are parked.
//
// One atomic word packs (searching << 32 | unparked). Invariants and protocol (after
// tokio's scheduler, which documents the same scheme):
//   - at most half of the workers search (steal) at once, so a burst of idleness does not
//     turn into every worker hammering every other worker's queue;
//   - code that makes work calls notify_work(): it wakes one parked worker, and only when no
//     worker is searching already (a searcher will find the work);
//   - a worker that stops searching because it found work, and was the last searcher, wakes
//     another one, so a burst of work fans out;
//   - a worker that parks re-checks every queue after it is counted as parked
//     (worker::park), closing the window in which work arrived just as it stopped looking.
//     (tokio re-checks only in the last searcher; a worker that could not search because
//     another one was can otherwise miss that searcher's notification, see worker::park.)
// Together these guarantee that work arriving while all workers park wakes exactly one
// and that no wake-up is lost. The sleepers list is only touched under its mutex.
#pragma once

#include <cstdint>
#include <mutex>
#include <vector>

#include <weft/detail/atomic.hpp>

#include "os_wait.hpp"

#if defined(__SANITIZE_THREAD__)
#define WEFT_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define WEFT_TSAN 1
#endif
#endif

namespace weft::detail {

class idle_state {
public:
    explicit idle_state(std::uint32_t workers) : workers_(workers), state_(workers) { sleepers_.reserve(workers); }

    // Returns the index of a worker to unpark, or -1 when nobody needs waking.
    int worker_to_notify() {
        // The caller's queue push must be ordered before this read, against the parking
        // worker's RMW in park() (which then re-checks the queues): a seq_cst fence and load.
        // Not an RMW: every spawn and yield comes through here, and an RMW would bounce the
        // idle word's cache line between all busy workers. TSan does not model fences, so
        // its builds use the (equivalent, slower) RMW.
#if WEFT_TSAN
        if (!should_wake(state_.fetch_add(0, std::memory_order_seq_cst))) return -1;
#else
        fence(std::memory_order_seq_cst);
        if (!should_wake(state_.load(std::memory_order_seq_cst))) return -1;
#endif
        std::lock_guard lock(mu_);
        std::uint64_t s = state_.load(std::memory_order_seq_cst);
        if (!should_wake(s) || sleepers_.empty()) return -1;
        // The woken worker starts out searching.
        state_.fetch_add(one_searching | 1, std::memory_order_seq_cst);
        int idx = sleepers_.back();
        sleepers_.pop_back();
        return idx;
    }

    bool try_start_searching() noexcept {
        std::uint64_t s = state_.load(std::memory_order_seq_cst);
        while (true) {
            if (2 * searching(s) >= workers_) return false;
            if (state_.compare_exchange_weak(s, s + one_searching, std::memory_order_seq_cst)) return true;
        }
    }

    // Returns true if the caller was the last searcher.
    bool stop_searching() noexcept {
        return searching(state_.fetch_sub(one_searching, std::memory_order_seq_cst)) == 1;
    }

    // Counts the caller as parked. Returns true if it was the last searcher. The caller then
    // looks at every queue once more (rule 4): the seq_cst fence orders those loads after
    // the RMW, pairing with worker_to_notify()'s fence after a push — either the pusher sees
    // us parked or our re-check sees its work. Without it the re-check's plain acquire loads
    // may read stale queues even after a seq_cst RMW (C++20 [atomics.order]; tests/mc found
    // it: x86 happens to order them, the language does not).
    bool park(int idx, bool was_searching) {
        std::uint64_t prev;
        {
            std::lock_guard lock(mu_);
            std::uint64_t dec = 1 + (was_searching ? one_searching : 0);
            prev = state_.fetch_sub(dec, std::memory_order_seq_cst);
            sleepers_.push_back(idx);
        }
        fence(std::memory_order_seq_cst);
        return was_searching && searching(prev) == 1;
    }

    // After a return from the parker: true if a notifier took us off the sleepers list
    // (we are now searching), false if the wake-up was spurious or a timeout.
    bool was_unparked(int idx) {
        std::lock_guard lock(mu_);
        for (int s : sleepers_)
            if (s == idx) return false;
        return true;
    }

    // Leaves the sleepers list without a notifier (timeout, shutdown). Returns false if a
    // notifier took us off the list meanwhile: we are then counted as searching.
    bool unpark_self(int idx) {
        std::lock_guard lock(mu_);
        for (auto it = sleepers_.begin(); it != sleepers_.end(); ++it) {
            if (*it == idx) {
                sleepers_.erase(it);
                state_.fetch_add(1, std::memory_order_seq_cst);
                return true;
            }
        }
        return false;
    }

    // Whether a worker is running (not parked). Read by a parked worker: then it means
    // another one.
    bool any_running() const noexcept { return unparked(state_.load(std::memory_order_relaxed)) != 0; }

    std::uint32_t searching_count() const noexcept { return searching(state_.load(std::memory_order_relaxed)); }

private:
    static constexpr std::uint64_t one_searching = std::uint64_t{1} << 32;
    static std::uint32_t searching(std::uint64_t s) noexcept { return static_cast<std::uint32_t>(s >> 32); }
    static std::uint32_t unparked(std::uint64_t s) noexcept { return static_cast<std::uint32_t>(s); }
    bool should_wake(std::uint64_t s) const noexcept { return searching(s) == 0 && unparked(s) < workers_; }

    const std::uint32_t workers_;
    atomic<std::uint64_t> state_;
    mutex mu_;
    std::vector<int> sleepers_;
};

}  // namespace weft::detail
