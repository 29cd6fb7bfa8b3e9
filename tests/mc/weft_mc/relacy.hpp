// weft_mc/relacy.hpp — Relacy (Debian's relacy-dev) without its global macros.
//
// relacy.hpp also pulls in its Windows and pthread emulations and then defines `new`,
// `delete`, `malloc`, `free`, `assert`, `errno`, the memory_order_* names and the pthread
// and Win32 API names as macros, for code written against its own dialect. weft's headers
// are ordinary C++20 (`= delete`, std::memory_order_acquire, ...), so this header includes
// the same parts of Relacy as relacy.hpp minus those two emulations, and defines none of
// the macros. What stays is Relacy's replacement of the global operator new/delete
// (context.hpp), which routes allocations made inside a simulation to its checker (a
// scenario that leaks or double-frees a task frame fails) and everything else to malloc.
// Relacy replaces only the unsized operator delete: code including this header is built
// with -fno-sized-deallocation (tests/meson.build), or a sized delete would hand Relacy's
// blocks to free().
#pragma once

// Headers Relacy's own may otherwise see half-configured.
#include <cerrno>
#include <ctime>

#include <relacy/atomic.hpp>
#include <relacy/atomic_fence.hpp>
#include <relacy/backoff.hpp>
#include <relacy/base.hpp>
#include <relacy/context.hpp>
#include <relacy/context_base_impl.hpp>
#include <relacy/dyn_thread.hpp>
#include <relacy/stdlib/condition_variable.hpp>
#include <relacy/stdlib/event.hpp>
#include <relacy/stdlib/mutex.hpp>
#include <relacy/stdlib/semaphore.hpp>
#include <relacy/test_suite.hpp>
#include <relacy/thread_local.hpp>
#include <relacy/var.hpp>
