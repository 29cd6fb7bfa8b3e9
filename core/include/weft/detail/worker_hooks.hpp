// weft/detail/worker_hooks.hpp — per-worker services of the modules above core.
//
// core knows nothing of timers or I/O; each worker holds one worker_hooks object that the
// module above provides (timers/ today: the worker's timer wheel). The worker calls it
//   - park_timeout() before it parks, and parks at most that long (the next deadline);
//   - poll() after every park and every global_queue_interval tasks, to run what is due.
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
    // Runs what is due (fires timers, scheduling their tasks on this worker).
    virtual void poll() noexcept = 0;
};

std::unique_ptr<worker_hooks> make_worker_hooks(runtime_core& core, std::uint32_t worker_index);

// The hooks of the worker running on this thread, or nullptr off the workers.
worker_hooks* current_worker_hooks() noexcept;

// What the hooks may use of the runtime (core keeps runtime_core private):
// state shared by the hooks of all workers (kept alive by core, created by the first
// make_worker_hooks of a runtime), whether the runtime was built with paused time, and a
// way to make every worker re-read its park timeout.
std::shared_ptr<void>& shared_hook_state(runtime_core& core) noexcept;
bool paused_time(const runtime_core& core) noexcept;
void wake_all_workers(runtime_core& core) noexcept;

}  // namespace weft::detail
