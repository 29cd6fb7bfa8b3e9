// weft/weft.hpp — everything weft offers, in one include. It lives at the root, above the
// modules, because it includes all of them (core, timers, io, ...).
//
//   #include <weft/weft.hpp>
//   weft::task<int> main_task() { co_return 0; }
//   int main() { return weft::run(main_task()); }
#pragma once

#include <weft/barrier.hpp>
#include <weft/channel.hpp>
#include <weft/clock.hpp>
#include <weft/condition_variable.hpp>
#include <weft/config.hpp>
#include <weft/error.hpp>
#include <weft/event.hpp>
#include <weft/join_handle.hpp>
#include <weft/latch.hpp>
#include <weft/metrics.hpp>
#include <weft/mutex.hpp>
#include <weft/oneshot.hpp>
#include <weft/queue.hpp>
#include <weft/runtime.hpp>
#include <weft/semaphore.hpp>
#include <weft/shared_mutex.hpp>
#include <weft/task.hpp>
#include <weft/task_group.hpp>
#include <weft/when_all.hpp>
#include <weft/interval.hpp>
#include <weft/shield.hpp>
#include <weft/sleep.hpp>
#include <weft/timeout.hpp>
#include <weft/when_any.hpp>
#include <weft/yield.hpp>
// io/
#include <weft/async_fd.hpp>
#include <weft/file.hpp>
#include <weft/offload.hpp>
#include <weft/signal.hpp>
#include <weft/spawn_blocking.hpp>
