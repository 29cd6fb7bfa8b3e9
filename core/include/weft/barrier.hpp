// weft/barrier.hpp — barrier: tasks wait until `parties` of them have arrived, then all go
// on together, and the barrier resets for the next phase (asyncio.Barrier, std::barrier).
//
// arrive_and_wait() returns the arrival index within the phase (0 for the first to arrive,
// parties - 1 for the one that completed it; asyncio.Barrier.wait()'s value). The last
// arrival does not suspend; it releases the others. arrive_and_drop() arrives for this phase
// and leaves the barrier for good (one party fewer from the next phase on). Waiting is a
// cancellation point: a cancelled waiter withdraws its arrival, so the phase still needs
// `parties` live arrivals and nobody is released early.
//
//   weft::barrier step(n);
//   for (int i = 0; i < rounds; ++i) { compute(i); co_await step.arrive_and_wait(); }
//
// Thread safety: every member may be called from any thread; the barrier must outlive its
// waiters.
#pragma once

#include <coroutine>
#include <cstddef>

#include <weft/detail/wait_queue.hpp>
#include <weft/error.hpp>

namespace weft {

class barrier : private detail::wait_owner {
public:
    explicit barrier(std::size_t parties) : wait_owner(&barrier::withdraw), parties_(parties) {
        if (parties == 0) throw error("weft::barrier: at least one party");
    }

    class wait_awaiter : detail::sync_waiter {
    public:
        explicit wait_awaiter(barrier* b) noexcept : sync_waiter(b) {}
        bool await_ready() const noexcept { return false; }
        template <class P>
        bool await_suspend(std::coroutine_handle<P> h) noexcept {
            auto& b = *static_cast<barrier*>(owner());
            detail::wake_batch woken;
            detail::spin_guard g(b.lock_);
            index_ = b.arrived_;
            if (b.arrived_ + 1 == b.parties_) {  // the last one: release the phase, go on
                b.complete_phase(woken);
                return false;
            }
            if (!enqueue(h, b.waiters_)) return false;  // cancelled already: did not arrive
            ++b.arrived_;
            return true;
        }
        std::size_t await_resume() {
            finish();
            return index_;
        }

    private:
        std::size_t index_ = 0;
    };

    // Arrives and waits for the phase to complete; gives the arrival index.
    [[nodiscard]] wait_awaiter arrive_and_wait() noexcept { return wait_awaiter(this); }

    // Arrives for this phase without waiting and leaves the barrier.
    void arrive_and_drop() {
        detail::wake_batch woken;
        detail::spin_guard g(lock_);
        if (parties_ == 0) throw error("weft::barrier::arrive_and_drop: no party left");
        --parties_;
        if (arrived_ == parties_) complete_phase(woken);
    }

    std::size_t parties() const noexcept {
        detail::spin_guard g(lock_);
        return parties_;
    }
    // Tasks waiting in the current phase.
    std::size_t n_waiting() const noexcept {
        detail::spin_guard g(lock_);
        return arrived_;
    }

private:
    void complete_phase(detail::wake_batch& woken) noexcept {
        arrived_ = 0;
        take_all(waiters_, woken);
    }
    // A waiter left (cancelled, or destroyed at shutdown): its arrival no longer counts. One
    // released with its phase has nothing to give back.
    static void withdraw(wait_owner* o, detail::sync_waiter*, detail::wake_batch&, bool granted) noexcept {
        if (!granted) --static_cast<barrier*>(o)->arrived_;
    }

    std::size_t parties_;
    std::size_t arrived_ = 0;  // waiters of this phase (all in waiters_)
    detail::waiter_list waiters_{this};
};

}  // namespace weft
