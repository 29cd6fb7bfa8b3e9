// weft/detail/wait_describe.hpp — how the task dump learns what a suspended task waits on,
// without storing anything per task. Users do not include this.
//
// A suspended root's cancellation word (promise_base.hpp) names the awaitable it waits in:
//   - a sync_waiter (every core primitive): its kind is in the low bits of its list
//     pointer (wait_queue.hpp: waiter_list::kind), so it is read without touching the
//     primitive, which may already be gone once the waiter was woken;
//   - a canceller: its on_cancel function tells its type. Each module registers, once, a
//     describer for each canceller type it defines (a constant-initialised table, so the
//     order of static initialisation does not matter); the describer reads the awaitable's
//     fields that were written before the canceller was installed.
// The dump reads the awaitable while holding the word's busy bit (promise_base::hold_waiter),
// so the awaitable cannot be taken down under it; a cancel() arriving meanwhile is
// delivered when the dump lets go.
#pragma once

#include <cstdint>

#include <weft/detail/promise_base.hpp>
#include <weft/task_dump.hpp>

namespace weft::detail {

struct wait_description {
    wait_kind kind = wait_kind::unknown;
    std::uint64_t object = 0;      // descriptor, address of the primitive, awaited task's frame
    const char* detail = nullptr;  // static text (an op name), or null
    std::int64_t since_ns = -1;    // steady_clock nanoseconds when the wait began, -1: unknown
    std::int64_t until_ns = -1;    // steady_clock nanoseconds of a deadline, -1: none
    // join / group join: the roots this task awaits (they become its children in the tree).
    // Called with each child's promise while the describer runs.
    void (*add_child)(void* ctx, const promise_base* child) = nullptr;
    void* ctx = nullptr;
};

using describe_fn = void (*)(const canceller*, wait_description&) noexcept;

// Registers the describer of the canceller type whose on_cancel is `on_cancel`. Returns true
// (so that `static const bool r = register_wait_describer(...)` reads as a registration).
bool register_wait_describer(void (*on_cancel)(canceller*) noexcept, describe_fn describe) noexcept;

}  // namespace weft::detail
