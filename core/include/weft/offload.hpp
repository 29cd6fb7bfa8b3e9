// weft/offload.hpp — run CPU-bound work on oneTBB's worker threads and await its result,
// so the weft workers stay free for I/O (asyncio's `to_thread` for compute).
//
// fn runs in a tbb::task_arena (all cores by default), where it may itself use TBB's
// parallel algorithms; the task resumes on a weft worker afterwards with fn's value, or
// fn's exception rethrown. Cancellation: if the task is cancelled before fn starts, fn is
// skipped and cancelled_error is thrown; once fn runs it runs to its end.
//
//   auto sum = [&] { return std::reduce(v.begin(), v.end()); };   // name it (gcc 12)
//   long total = co_await weft::offload(sum);
//
// It needs no timers or I/O: it works on every runtime stack, core's alone included. The
// runtime's shutdown waits for calls still running on TBB threads.
//
// Thread safety: fn runs on a TBB thread while the task is suspended, so it may touch the
// task's locals; what it shares with other tasks needs the usual synchronisation.
#pragma once

#include <atomic>
#include <coroutine>
#include <type_traits>
#include <utility>

#include <weft/detail/call_awaiter.hpp>

namespace weft {
namespace detail {

// core/src/offload.cpp: runs run(ctx) on the TBB arena. False if not on a worker.
bool submit_offload(void (*run)(void*) noexcept, void* ctx) noexcept;

template <class F>
class offload_awaiter : public call_awaiter<F> {
public:
    explicit offload_awaiter(F f) : call_awaiter<F>(std::move(f), &on_cancel) {}

    template <class P>
    bool await_suspend(std::coroutine_handle<P> h) {
        if (!this->begin(h)) return false;
        // Publishes the awaiter to the TBB thread in a way TSan sees (oneTBB is not
        // instrumented, so its own hand-off is invisible to it).
        published_.store(true, std::memory_order_release);
        if (!submit_offload(&run_job, this)) this->refused("offload: not on a weft worker");
        return true;
    }

private:
    static void run_job(void* p) noexcept {
        auto* self = static_cast<offload_awaiter*>(p);
        (void)self->published_.load(std::memory_order_acquire);
        if (self->cancel_asked_.load(std::memory_order_acquire)) {
            self->cancelled_ = true;  // cancelled before it started: skip the call
            self->resume();
        } else {
            self->run_and_resume();
        }
    }
    static void on_cancel(canceller* c) noexcept {
        static_cast<offload_awaiter*>(static_cast<call_awaiter<F>*>(c))
            ->cancel_asked_.store(true, std::memory_order_release);
    }

    std::atomic<bool> cancel_asked_{false};
    std::atomic<bool> published_{false};
};

}  // namespace detail

template <class F>
[[nodiscard]] detail::offload_awaiter<std::decay_t<F>> offload(F&& fn) {
    return detail::offload_awaiter<std::decay_t<F>>(std::forward<F>(fn));
}

}  // namespace weft
