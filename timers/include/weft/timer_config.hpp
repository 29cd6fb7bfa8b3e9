// weft/timer_config.hpp — the timers module's section of runtime_config: `[timers]` in a
// TOML file, WEFT_TIMERS_* in the environment.
//
//   weft::runtime_config cfg = weft::runtime_config::load();
//   cfg.section<weft::timer_config>().paused = true;     // tests: time stands still
//   weft::runtime rt(cfg);
//
//   # weft.toml                     # or: WEFT_TIMERS_TICK_US=500
//   [timers]
//   tick_us = 500
//
// docs/configuration.md lists every key with its range. Thread safety: a plain value type.
#pragma once

#include <cstdint>

#include <weft/config.hpp>

namespace weft {

struct timer_config {
    static constexpr const char* section_name = "timers";

    // Resolution of the timer wheels, in microseconds: sleeps and timeouts are rounded up to
    // it. 100..1000000; 1 ms suits servers (timeouts of ms to minutes); finer costs more
    // wheel turns per second.
    std::uint32_t tick_us = 1000;
    // Time stands still until the program advances it (weft::advance_time): for tests of
    // timer logic without real sleeps (tokio's paused time). Not for production.
    bool paused = false;

    void apply(const config_value& v);  // throws config_error
    void validate() const;              // throws config_error
};

}  // namespace weft
