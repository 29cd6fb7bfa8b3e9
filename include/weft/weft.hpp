// weft/weft.hpp — everything weft offers, in one include: core (tasks, the runtime, task
// groups, sync primitives, offload), timers, io and net. It lives at the root, above the
// modules, because it includes all of them; including it makes the io stack (timers + the
// configured I/O driver) the default of weft::run and `weft::runtime rt;`.
//
//   #include <weft/weft.hpp>
//   weft::task<int> main_task() { co_return 0; }
//   int main() { return weft::run(main_task()); }
//
// Thread safety: see each header.
#pragma once

// core/
#include <weft/barrier.hpp>
#include <weft/channel.hpp>
#include <weft/condition_variable.hpp>
#include <weft/config.hpp>
#include <weft/error.hpp>
#include <weft/event.hpp>
#include <weft/join_handle.hpp>
#include <weft/latch.hpp>
#include <weft/metrics.hpp>
#include <weft/mutex.hpp>
#include <weft/offload.hpp>
#include <weft/oneshot.hpp>
#include <weft/queue.hpp>
#include <weft/runtime.hpp>
#include <weft/runtime_stack.hpp>
#include <weft/semaphore.hpp>
#include <weft/shared_mutex.hpp>
#include <weft/shield.hpp>
#include <weft/task.hpp>
#include <weft/task_group.hpp>
#include <weft/when_all.hpp>
#include <weft/when_any.hpp>
#include <weft/yield.hpp>
// timers/
#include <weft/clock.hpp>
#include <weft/interval.hpp>
#include <weft/sleep.hpp>
#include <weft/timeout.hpp>
#include <weft/timer_config.hpp>
#include <weft/timers_stack.hpp>
// io/
#include <weft/async_fd.hpp>
#include <weft/file.hpp>
#include <weft/io_config.hpp>
#include <weft/io_stack.hpp>
#include <weft/signal.hpp>
#include <weft/spawn_blocking.hpp>
// net/
#include <weft/net/address.hpp>
#include <weft/net/buffered_reader.hpp>
#include <weft/net/resolve.hpp>
#include <weft/net/serve.hpp>
#include <weft/net/stream.hpp>
#include <weft/net/tcp.hpp>
#include <weft/net/udp.hpp>
#include <weft/net/unix.hpp>
