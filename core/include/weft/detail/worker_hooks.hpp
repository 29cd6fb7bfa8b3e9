// weft/detail/worker_hooks.hpp — per-worker services of the modules above core.
//
// core knows nothing of timers or I/O; each worker holds one worker_hooks object that the
// module above provides (timers/ today: the worker's timer wheel). The worker calls it
//   - park_timeout() before it parks, and parks at most that long (the next deadline);
//   - poll() when it runs out of work, after every park and every global_queue_interval
//     tasks, to run what is due;
//   - park()/unpark() to sleep and be woken (the io module sleeps in its reactor's wait).
// make_worker_hooks() is declared here and defined by the highest module linked into
// libweft (the composition happens at link time; no header of core includes a module above).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>

namespace weft::detail {

class runtime_core;

class worker_hooks {
public:
    virtual ~worker_hooks() = default;
    // The longest the worker may sleep (negative: no limit, zero: something is due now).
    virtual std::chrono::nanoseconds park_timeout() noexcept = 0;
    // Runs what is due without blocking (fires timers, submits queued I/O, dispatches
    // completions), scheduling the tasks it wakes on this worker.
    virtual void poll() noexcept = 0;
    // Sleeps until unpark() or the timeout (negative: none), dispatching what arrives
    // meanwhile. The parker contract (parker.hpp): an earlier unpark() is never lost.
    virtual void park(std::chrono::nanoseconds timeout) = 0;
    // Any thread.
    virtual void unpark() noexcept = 0;
    // True when I/O is registered or in flight here: an idle worker then parks in the
    // driver at once instead of spinning first (the kernel wakes it for the I/O; spinning
    // only burns the CPU a server's clients or peers need — W7 measured it).
    virtual bool waits_for_io() noexcept { return false; }
    // Called by an idle worker: run what is due in the services of workers that have not
    // polled their own for a while (stuck in a long task). True if it scheduled anything.
    virtual bool help_peers() noexcept { return false; }
    // After every worker has stopped, before the tasks left are destroyed: stop whatever
    // could still touch a task's frame (I/O the kernel still owns, blocking threads).
    virtual void shutdown() noexcept {}
};

std::unique_ptr<worker_hooks> make_worker_hooks(runtime_core& core, std::uint32_t worker_index);

// The hooks of the worker running on this thread, or nullptr off the workers.
worker_hooks* current_worker_hooks() noexcept;

// What the hooks may use of the runtime (core keeps runtime_core private):
// state shared by the hooks of all workers (kept alive by core, created by the first
// make_worker_hooks of a runtime), whether the runtime was built with paused time, and a
// way to make every worker re-read its park timeout.
enum class hook_state_slot { timers, io };
std::shared_ptr<void>& shared_hook_state(runtime_core& core, hook_state_slot slot) noexcept;
bool paused_time(const runtime_core& core) noexcept;
void wake_all_workers(runtime_core& core) noexcept;

}  // namespace weft::detail
