// weft/detail/scheduler_api.hpp — the narrow interface public headers use to reach the
// scheduler (implemented in core/src/). Users do not include this directly.
//
// runtime_core is the shared state of one runtime (workers, queues, registry). Public
// templates only ever hold a pointer to it.
#pragma once

#include <atomic>
#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <exception>

namespace weft::detail {

class runtime_core;
struct promise_base;

enum class schedule_hint : std::uint8_t {
    spawn,  // a new task: back of the local queue (or the global queue off-runtime)
    wake,   // a task whose wait ended: the LIFO slot, it is likely cache-warm
    yield,  // a task that yields: back of the queue, behind everything ready
};

// The root of the task this thread runs now (a worker's, between resume and return to its
// loop), for the stall detector and the task dump: the worker loop sets it before each
// resumption, and the two symmetric transfers that move to another root (a finished root
// resuming the task that awaits its handle; a join running its child inline) update it.
// Read from other threads through worker::running_root(); never dereferenced there.
// With it, the root's spawn site (spawn_site.hpp), so that the dump can name a running task
// that never suspended without reading its frame (it may end at any time).
[[gnu::tls_model("initial-exec")]] extern thread_local std::atomic<promise_base*> tl_running_root;
[[gnu::tls_model("initial-exec")]] extern thread_local std::atomic<std::uint16_t> tl_running_site;
inline void set_running_root(promise_base* r, std::uint16_t site = 0) noexcept {
    tl_running_root.store(r, std::memory_order_relaxed);
    tl_running_site.store(site, std::memory_order_relaxed);
}

// The runtime whose worker is running on this thread, or nullptr.
runtime_core* current_core() noexcept;

// Makes `h` runnable on `core`. From one of core's workers it goes to that worker's local
// queue; from anywhere else to the global queue, waking a parked worker if needed.
// schedule_hint::spawn means `h` is a spawned task that has not started. Returns false only
// when the runtime has shut down (then `h` was not scheduled).
bool schedule(runtime_core* core, std::coroutine_handle<> h, schedule_hint hint) noexcept;

// If `frame` (a spawned task that has not started) is still in the calling worker's LIFO
// slots, takes it out and returns true: the caller then runs it inline. Used by joins, so
// fork-join code runs depth-first.
bool take_back_unstarted(runtime_core* core, void* frame) noexcept;

// The runtime's index in live_runtimes (promise_base.hpp).
std::uint16_t core_id(const runtime_core* core) noexcept;

// True while the runtime destroys the tasks left at shutdown (their frames go one by one).
bool is_tearing_down(const runtime_core* core) noexcept;

// Suspended-task registry, so that shutdown can destroy tasks that wait on something.
// A spawned task that has not started sits in a queue, where shutdown finds it; one that
// runs is on a worker; only a task that suspends can be lost. So every awaitable that
// suspends a weft task calls note_suspend(root) *before* it publishes the waiter (after
// that the task may resume and finish on another thread); the first call registers the
// root, and the root's final step unregisters it. Tasks that never suspend never pay.
void register_root(runtime_core* core, promise_base* root) noexcept;
void note_suspend_slow(promise_base* root) noexcept;
void unregister_root(runtime_core* core, promise_base* root) noexcept;

// Logs (through the "weft" logger) an exception that nobody will ever see: a detached
// task failed, or a finished task's handle was dropped without awaiting it.
void report_unretrieved_error(const std::exception_ptr& e) noexcept;

// Logs (error level) that a task_group / task_scope was destroyed with `live` children
// still running, never joined: they were cancelled and run on detached.
void report_unjoined_group(bool scope, std::size_t live) noexcept;

// Cooperative budget: awaitables that can complete without suspending call this; when it
// returns false the task has run long enough and should yield to its worker.
bool consume_budget() noexcept;

}  // namespace weft::detail
