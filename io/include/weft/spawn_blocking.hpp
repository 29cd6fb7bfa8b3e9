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
//
// Thread safety: fn runs on a pool thread, so whatever it touches must be safe to use from
// another thread while the awaiting task is suspended (it is, by construction, not running).
// Awaited from tasks on a runtime with I/O (weft::io_stack), which owns the pool.
#pragma once

#include <coroutine>
#include <type_traits>
#include <utility>

#include <weft/detail/call_awaiter.hpp>
#include <weft/detail/io_op.hpp>

namespace weft {
namespace detail {

// io/src/blocking_calls.cpp. False if the runtime is shutting down.
bool submit_blocking(blocking_job* job, void** pool_out) noexcept;
bool take_back_blocking(blocking_job* job, void* pool) noexcept;

template <class F>
class blocking_awaiter : blocking_job, public call_awaiter<F> {
public:
    explicit blocking_awaiter(F f) : call_awaiter<F>(std::move(f), &on_cancel) { run = &run_job; }

    template <class P>
    bool await_suspend(std::coroutine_handle<P> h) {
        if (!this->begin(h)) return false;
        if (!submit_blocking(this, &pool_))
            this->refused("spawn_blocking: the runtime is shutting down (or not on a weft worker)");
        return true;
    }

private:
    static void run_job(blocking_job* j) noexcept { static_cast<blocking_awaiter*>(j)->run_and_resume(); }
    static void on_cancel(canceller* c) noexcept {
        auto* self = static_cast<blocking_awaiter*>(static_cast<call_awaiter<F>*>(c));
        if (take_back_blocking(self, self->pool_)) {
            self->cancelled_ = true;
            self->resume();
        }
    }

    void* pool_ = nullptr;
};

}  // namespace detail

template <class F>
[[nodiscard]] detail::blocking_awaiter<std::decay_t<F>> spawn_blocking(F&& fn) {
    return detail::blocking_awaiter<std::decay_t<F>>(std::forward<F>(fn));
}

}  // namespace weft
