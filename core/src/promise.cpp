// promise.cpp — the out-of-line parts of promise_base: a failed task's boxed exception
// and the entry through which a cancel() reaches a sync_waiter.
#include <weft/detail/promise_base.hpp>
#include <weft/detail/wait_queue.hpp>

#include <new>

namespace weft::detail {

// weft-bench idle_memory (bytes per waiting task) depends on these: see docs/architecture.md, "Tasks and frames".
// (Not in the model checker's build of this file, whose atomics carry its bookkeeping.)
#if !defined(WEFT_MODEL_CHECK)
static_assert(sizeof(promise_base) == 3 * sizeof(void*), "the promise is three words");
static_assert(sizeof(sync_waiter) == 4 * sizeof(void*) && alignof(sync_waiter) == 1,
              "a sync waiter is four packed words");
#endif

namespace {

// Used when boxing an exception finds no memory: the task then fails with bad_alloc.
std::exception_ptr* out_of_memory_box() noexcept {
    static std::exception_ptr e = std::make_exception_ptr(std::bad_alloc());
    return &e;
}

}  // namespace

void promise_base::set_error(std::exception_ptr e) noexcept {
    std::exception_ptr* box = new (std::nothrow) std::exception_ptr(std::move(e));
    if (!box) box = out_of_memory_box();
    // A root's pending cancellation request goes with it: the task has ended.
    cancel_.exchange(encode(box, error_kind), std::memory_order_acq_rel);
}

std::exception_ptr promise_base::take_error() noexcept {
    if (!has_error()) return nullptr;
    const std::uintptr_t v = cancel_.exchange(0, std::memory_order_acq_rel);
    if (!(v & error_kind)) return nullptr;
    auto* box = reinterpret_cast<std::exception_ptr*>(v >> address_shift);
    if (box == out_of_memory_box()) return *box;
    std::exception_ptr e = std::move(*box);
    delete box;
    return e;
}

void cancel_sync_waiter(void* waiter) noexcept { sync_waiter::on_cancel(static_cast<sync_waiter*>(waiter)); }

}  // namespace weft::detail
