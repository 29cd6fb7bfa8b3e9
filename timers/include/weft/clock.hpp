// weft/clock.hpp — the runtime's time, and paused time for tests.
//
// weft::now() is what sleep_for, timeouts and intervals measure against: the steady clock,
// or — for a runtime built with timer_config::paused — a clock that stands still
// until advance_time() moves it (tokio's paused time). Timer logic can then be tested
// deterministically and instantly: advancing by an hour fires the hour's timers at once.
//
//   weft::runtime_config cfg;
//   cfg.section<weft::timer_config>().paused = true;
//   weft::runtime rt(cfg);
//   auto h = rt.spawn(sleepy());                  // sleeps 10 s
//   weft::advance_time(rt, 10s);                  // its timer fires now
//
// Thread safety: now() from any thread; advance_time() from any thread (it wakes every
// worker, which then fires what became due).
#pragma once

#include <chrono>

#include <weft/timer_config.hpp>
#include <weft/timers_stack.hpp>

namespace weft {

class runtime;

// The current runtime's time (on a worker), else the steady clock.
std::chrono::steady_clock::time_point now() noexcept;
// The time of runtime rt (the steady clock if rt was built without timers).
std::chrono::steady_clock::time_point now(const runtime& rt) noexcept;

// Moves a paused runtime's clock forward by d; throws weft::error if rt's time is not paused
// (or rt has no timers) or d is negative.
void advance_time(runtime& rt, std::chrono::nanoseconds d);

}  // namespace weft
