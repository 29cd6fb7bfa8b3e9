// weft/detail/call_awaiter.hpp — what spawn_blocking's and offload's awaiters share: a
// call of F made on another thread, its value or exception kept until the task resumes,
// and the task's cancellation bookkeeping. Users do not include this.
#pragma once

#include <coroutine>
#include <exception>
#include <optional>
#include <type_traits>
#include <utility>

#include <weft/detail/promise_base.hpp>
#include <weft/error.hpp>

namespace weft::detail {

// What a call yields, stored until the task resumes (void becomes nothing).
template <class R>
struct call_result {
    std::optional<R> value;
    template <class F>
    void run(F& f) {
        value.emplace(f());
    }
    R take() { return std::move(*value); }
};
template <>
struct call_result<void> {
    template <class F>
    void run(F& f) {
        f();
    }
    void take() {}
};

template <class F>
class call_awaiter : public canceller {
public:
    using result_type = std::invoke_result_t<F&>;

    call_awaiter(const call_awaiter&) = delete;
    call_awaiter& operator=(const call_awaiter&) = delete;

    bool await_ready() const noexcept { return false; }
    result_type await_resume() {
        if (installed_) root_->remove_canceller(this);
        if (cancelled_) {
            root_->take_cancel();
            throw cancelled_error();
        }
        if (error_) std::rethrow_exception(error_);
        return result_.take();
    }

protected:
    call_awaiter(F f, void (*cancel)(canceller*) noexcept) : canceller{cancel}, fn_(std::move(f)) {}

    // Before handing the call over: false if a cancellation is pending (do not suspend).
    template <class P>
    bool begin(std::coroutine_handle<P> h) noexcept {
        handle_ = h;
        root_ = h.promise().root();
        if (!root_->install_canceller(this)) {
            cancelled_ = true;
            return false;
        }
        installed_ = true;
        root_->note_suspend();
        return true;
    }
    // The hand-over failed: undo begin() and throw.
    [[noreturn]] void refused(const char* what) {
        root_->remove_canceller(this);
        installed_ = false;
        throw error(what);
    }
    // On the other thread: makes the call, then resumes the task.
    void run_and_resume() noexcept {
        try {
            result_.run(fn_);
        } catch (...) {
            error_ = std::current_exception();
        }
        resume();
    }
    void resume() noexcept { schedule(root_->core(), handle_, schedule_hint::wake); }

    F fn_;
    call_result<result_type> result_;
    std::exception_ptr error_;
    std::coroutine_handle<> handle_;
    promise_base* root_ = nullptr;
    bool installed_ = false;
    bool cancelled_ = false;
};

}  // namespace weft::detail
