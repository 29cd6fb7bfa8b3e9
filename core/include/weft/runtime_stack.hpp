// weft/runtime_stack.hpp — which modules a runtime is built with.
//
// A runtime is core's executor plus the services of the modules above it: timers (sleep,
// timeouts, intervals) and io (a reactor per worker: sockets, files, pipes, signals; it
// includes the timers). A runtime_stack names such a set and builds it:
//   weft::core_stack    core alone: a CPU executor (tasks, spawn, groups, sync), like oneTBB;
//   weft::timers_stack  + timers (weft/timer_config.hpp);
//   weft::io_stack      + timers + the configured I/O driver (weft/io_config.hpp).
//
//   weft::runtime cpu(weft::runtime_config{}, weft::core_stack);  // no timers, no I/O
//   weft::runtime rt;                                             // the default stack
//
// The default stack — what weft::run and the runtime constructors without a stack use — is
// the largest one the program uses: each module's public headers register the module's
// stack when a translation unit includes them (before main), so a program that includes
// <weft/sleep.hpp> gets timers, one that includes any I/O header gets io, and a program of
// core headers alone gets the CPU executor. A task that sleeps (does I/O) on a runtime
// built without timers (io) gets a weft::error that says so.
//
// Thread safety: the stacks are constants; registration happens during static
// initialisation and default_stack() may be called from any thread after it.
#pragma once

#include <weft/detail/worker_services.hpp>

namespace weft {

struct runtime_stack {
    const char* name;                // "core", "timers", "io"
    int level;                       // the default stack is the registered one of highest level
    detail::services_factory build;  // makes the runtime's services
};

namespace detail {
std::unique_ptr<runtime_services> make_core_services(runtime_core& core, runtime_config& cfg);
// Offers `s` as the default stack (the one of highest level wins). Returns true, so that a
// module header can call it from an inline variable's initialiser.
bool register_stack(const runtime_stack& s) noexcept;
}  // namespace detail

inline constexpr runtime_stack core_stack{"core", 0, &detail::make_core_services};

// The largest stack registered so far (core_stack if none).
const runtime_stack& default_stack() noexcept;

}  // namespace weft
