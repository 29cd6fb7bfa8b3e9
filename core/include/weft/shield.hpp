// weft/shield.hpp — shield: a section that cancellation does not interrupt.
//
// co_await weft::shield(t) runs t to its end even if the awaiting task is cancelled
// meanwhile; the cancellation is not lost: it is delivered at the awaiting task's next
// suspension point after the shield (trio's shielded cancel scope). asyncio's shield also
// keeps the inner work running, but raises CancelledError in the caller at once and leaves
// the work orphaned; here the caller waits, so the work never outlives its owner.
//
//   co_await weft::shield(commit(txn));   // a commit must not stop half-way
//
// Use it for short sections (a commit, a flush, releasing a remote lock): a shielded task
// that never ends makes its caller uncancellable.
//
// Thread safety: t runs as a spawned task (on any worker); the caller awaits its handle.
#pragma once

#include <coroutine>
#include <type_traits>
#include <utility>

#include <weft/error.hpp>
#include <weft/join_handle.hpp>
#include <weft/runtime.hpp>
#include <weft/task.hpp>

namespace weft {

template <class T>
task<T> shield(task<T> t) {
    // A child of its own: it has its own root, so our cancellation does not reach it.
    join_handle<T> child = spawn(std::move(t));
    bool deferred = false;
    while (true) {
        try {
            if constexpr (std::is_void_v<T>) {
                co_await child;
                break;
            } else {
                decltype(auto) v = co_await child;
                if (deferred) (co_await detail::current_root_awaiter{})->request_cancel();
                if constexpr (std::is_reference_v<T>)
                    co_return v;
                else
                    co_return std::move(v);
            }
        } catch (const cancelled_error&) {
            if (!child.valid()) throw;  // the child itself ended with cancelled_error
            deferred = true;            // our wait was cancelled: keep waiting, deliver later
        }
    }
    if (deferred) (co_await detail::current_root_awaiter{})->request_cancel();
}

}  // namespace weft
