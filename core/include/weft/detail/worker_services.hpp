// weft/detail/worker_services.hpp — how the modules above core extend a runtime.
//
// core is a complete CPU executor: its workers run tasks, steal each other's work and park
// on a futex. The modules above it (timers, io) plug in through two interfaces owned here,
// chosen when the runtime is built (a runtime_stack, weft/runtime_stack.hpp):
//   - runtime_services: one per runtime. It makes each worker's worker_services and holds
//     what the workers share (the timers' clock, the io module's blocking pool);
//   - worker_services: one per worker. The worker sleeps in its parker (each I/O driver is
//     a parker, so a parked worker also wakes for I/O) and calls
//       attach()/detach()  on its own thread when it starts and stops, so a module keeps a
//                          thread-local pointer to its part of the worker (one load on its
//                          hot path instead of a lookup);
//       park_timeout()     before it parks, and parks at most that long (the next timer);
//       poll()             when it runs out of work and every global_queue_interval
//                          tasks: runs what is due (timers, I/O completions), scheduling
//                          the woken tasks on this worker;
//       poll_timers()      after every park: what poll() runs, less what the parker's own
//                          wait has just dispatched (an I/O driver's events);
//       expects_events()   whether work may arrive through the parker itself (I/O in
//                          flight): the worker then parks at once instead of spinning;
//       help_peers()       when idle: runs what is due for peers stuck in a long task;
//       shutdown()         after every worker has stopped and before the tasks left are
//                          destroyed: stop whatever could still touch a task's frame.
// A module finds its own per-runtime object with runtime_services::find<T>() (a
// dynamic_cast: off the hot paths only) and its per-worker part through the thread-local
// it sets in attach().
//
// Thread safety: worker_services are called by their worker's thread, except unpark()
// (any thread) and help_peers' calls into a peer's services, which the module serialises.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include <weft/detail/parker.hpp>

namespace weft {
struct runtime_config;
struct worker_metrics;
}  // namespace weft

namespace weft::detail {

class runtime_core;

class worker_services {
public:
    explicit worker_services(std::unique_ptr<parker> p) : parker_(std::move(p)) {}
    worker_services(const worker_services&) = delete;
    worker_services& operator=(const worker_services&) = delete;
    virtual ~worker_services() = default;

    parker& sleeper() noexcept { return *parker_; }

    virtual void attach() noexcept {}
    virtual void detach() noexcept {}
    // The longest the worker may sleep (negative: no limit, zero: something is due now).
    virtual std::chrono::nanoseconds park_timeout() noexcept { return std::chrono::nanoseconds(-1); }
    virtual void poll() noexcept {}
    virtual void poll_timers() noexcept { poll(); }
    virtual bool expects_events() noexcept { return false; }
    // True if it scheduled anything.
    virtual bool help_peers() noexcept { return false; }
    virtual void shutdown() noexcept {}
    // Any thread: adds this worker's figures of the module (timers armed, I/O latency) to
    // a metrics snapshot.
    virtual void add_metrics(worker_metrics&) {}

private:
    std::unique_ptr<parker> parker_;
};

class runtime_services {
public:
    virtual ~runtime_services() = default;

    // Called once per worker, in index order, before any worker starts.
    virtual std::unique_ptr<worker_services> make_worker(runtime_core& core, std::uint32_t index) = 0;
    // After every worker's services have shut down (worker_services::shutdown).
    virtual void shutdown() noexcept {}
    // The modules in this stack, for messages ("core", "core + timers", ...).
    virtual std::string describe() const = 0;

    // The services object of type T (a module's per-runtime part), or nullptr if this
    // runtime was built without that module.
    template <class T>
    T* find() noexcept {
        return dynamic_cast<T*>(this);
    }
};

// Builds the services of a runtime. It reads its module's section of `cfg` (config.hpp)
// and may throw config_error or system_error; the runtime is then not built.
using services_factory = std::unique_ptr<runtime_services> (*)(runtime_core& core, runtime_config& cfg);

// What the modules above core may use of a runtime (core keeps runtime_core private).
const runtime_config& core_config(const runtime_core* core) noexcept;
std::uint32_t core_worker_count(const runtime_core* core) noexcept;
runtime_services& services_of(runtime_core& core) noexcept;
// Unparks every worker (each re-reads its park timeout).
void wake_all_workers(runtime_core& core) noexcept;
// The services of the worker running on this thread, or nullptr off the workers.
worker_services* current_worker_services() noexcept;

}  // namespace weft::detail
