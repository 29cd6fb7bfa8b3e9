// weft/spawn_blocking.hpp — run a blocking call on the runtime's blocking pool and await
// its result: asyncio's `await loop.run_in_executor(None, fn)` / `asyncio.to_thread`.
//
// The pool has at most runtime_config::blocking_threads threads, started on demand and
// leaving after blocking_keep_alive_ms idle. fn's value is returned, or its exception
// rethrown. Cancellation: a call still queued is dropped and the task resumes with
// cancelled_error at once; a call already running runs to its end (threads cannot be
// interrupted) and its result is returned.
//
//   auto load = [&] { return read_config_blocking(path); };   // name it (gcc 12, see docs)
//   config c = co_await weft::spawn_blocking(load);
//
// For CPU-bound work use weft::offload (oneTBB) instead.
#pragma once

#include <coroutine>
#include <exception>
#include <optional>
#include <type_traits>
#include <utility>

#include <weft/detail/io_op.hpp>
#include <weft/detail/promise_base.hpp>
#include <weft/error.hpp>

namespace weft {
namespace detail {

// io/src/blocking_calls.cpp. False if the runtime is shutting down.
bool submit_blocking(blocking_job* job, void** pool_out) noexcept;
bool take_back_blocking(blocking_job* job, void* pool) noexcept;

// What a call yields, stored until the task resumes (void becomes an empty struct).
template <class R>
struct call_result {
    std::optional<R> value;
    template <class F>
    void run(F& f) { value.emplace(f()); }
    R take() { return std::move(*value); }
};
template <>
struct call_result<void> {
    template <class F>
    void run(F& f) { f(); }
    void take() {}
};

template <class F>
class blocking_awaiter : blocking_job, canceller {
    using R = std::invoke_result_t<F&>;

public:
    explicit blocking_awaiter(F f) : canceller{&on_cancel}, fn_(std::move(f)) { run = &run_job; }
    blocking_awaiter(const blocking_awaiter&) = delete;
    blocking_awaiter& operator=(const blocking_awaiter&) = delete;

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
        if (!submit_blocking(this, &pool_)) {
            root_->remove_canceller(this);
            installed_ = false;
            throw error("spawn_blocking: the runtime is shutting down (or not on a weft worker)");
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
    static void run_job(blocking_job* j) noexcept {
        auto* self = static_cast<blocking_awaiter*>(j);
        try {
            self->result_.run(self->fn_);
        } catch (...) {
            self->error_ = std::current_exception();
        }
        schedule(self->root_->core_, self->handle_, schedule_hint::wake);
    }
    static void on_cancel(canceller* c) noexcept {
        auto* self = static_cast<blocking_awaiter*>(c);
        if (take_back_blocking(self, self->pool_)) {
            self->cancelled_ = true;
            schedule(self->root_->core_, self->handle_, schedule_hint::wake);
        }
    }

    F fn_;
    call_result<R> result_;
    std::exception_ptr error_;
    std::coroutine_handle<> handle_;
    promise_base* root_ = nullptr;
    void* pool_ = nullptr;
    bool installed_ = false;
    bool cancelled_ = false;
};

}  // namespace detail

template <class F>
[[nodiscard]] detail::blocking_awaiter<std::decay_t<F>> spawn_blocking(F&& fn) {
    return detail::blocking_awaiter<std::decay_t<F>>(std::forward<F>(fn));
}

}  // namespace weft
