// timer_config.cpp — the keys of the [timers] section (see weft/timer_config.hpp).
#include <weft/timer_config.hpp>

namespace weft {

void timer_config::apply(const config_value& v) {
    if (v.key == "tick_us")
        tick_us = config_parse::to_uint(v, 100, 1'000'000);
    else if (v.key == "paused")
        paused = config_parse::to_bool(v);
    else
        config_parse::reject(v, "unknown key of section [timers] (keys: tick_us, paused)");
}

void timer_config::validate() const { config_parse::check_uint("timers.tick_us", tick_us, 100, 1'000'000); }

}  // namespace weft
