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
#pragma once

#include <atomic>
#include <coroutine>
#include <exception>
#include <type_traits>
#include <utility>

#include <weft/detail/promise_base.hpp>
#include <weft/error.hpp>
#include <weft/spawn_blocking.hpp>

namespace weft {
namespace detail {

// io/src/blocking_calls.cpp: runs run(ctx) on the TBB arena. False if not on a worker.
bool submit_offload(void (*run)(void*) noexcept, void* ctx) noexcept;

template <class F>
class offload_awaiter : canceller {
    using R = std::invoke_result_t<F&>;

public:
    explicit offload_awaiter(F f) : canceller{&on_cancel}, fn_(std::move(f)) {}
    offload_awaiter(const offload_awaiter&) = delete;
    offload_awaiter& operator=(const offload_awaiter&) = delete;

    bool await_ready() const noexcept { return false; }
    template <class P>
    bool await_suspend(std::coroutine_handle<P> h) {
        handle_ = h;
        root_ = h.promise().root_;
        if (!root_->install_canceller(this)) {
            cancelled_ = true;
            return false;
        }
        installed_ = true;
        root_->note_suspend();
        // Publishes the awaiter to the TBB thread in a way TSan sees (oneTBB is not
        // instrumented, so its own hand-off is invisible to it).
        published_.store(true, std::memory_order_release);
        if (!submit_offload(&run_job, this)) {
            root_->remove_canceller(this);
            installed_ = false;
            throw error("offload: not on a weft worker");
        }
        return true;
    }
    R await_resume() {
        if (installed_) root_->remove_canceller(this);
        if (cancelled_) {
            root_->take_cancel();
            throw cancelled_error();
        }
        if (error_) std::rethrow_exception(error_);
        return result_.take();
    }

private:
    static void run_job(void* p) noexcept {
        auto* self = static_cast<offload_awaiter*>(p);
        (void)self->published_.load(std::memory_order_acquire);
        if (self->cancel_asked_.load(std::memory_order_acquire)) {
            self->cancelled_ = true;
        } else {
            try {
                self->result_.run(self->fn_);
            } catch (...) {
                self->error_ = std::current_exception();
            }
        }
        schedule(self->root_->core_, self->handle_, schedule_hint::wake);
    }
    static void on_cancel(canceller* c) noexcept {
        static_cast<offload_awaiter*>(c)->cancel_asked_.store(true, std::memory_order_release);
    }

    F fn_;
    call_result<R> result_;
    std::exception_ptr error_;
    std::coroutine_handle<> handle_;
    promise_base* root_ = nullptr;
    std::atomic<bool> cancel_asked_{false};
    std::atomic<bool> published_{false};
    bool installed_ = false;
    bool cancelled_ = false;
};

}  // namespace detail

template <class F>
[[nodiscard]] detail::offload_awaiter<std::decay_t<F>> offload(F&& fn) {
    return detail::offload_awaiter<std::decay_t<F>>(std::forward<F>(fn));
}

}  // namespace weft
