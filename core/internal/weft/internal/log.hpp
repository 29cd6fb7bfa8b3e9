// weft/internal/log.hpp — weft's spdlog logger (named "weft", to stderr).
//
// Internal to weft: core owns it, and the modules above core (timers, io, net) include it
// through their build's access to core/internal/. It is not installed, so public headers
// never include it (users configure the logger through runtime_config::log or by
// registering their own spdlog logger named "weft" before the first runtime starts).
//
//   weft::detail::log().warn("io_uring is unavailable ({}): using epoll", reason);
//
// Thread safety: spdlog's _mt logger; safe from any thread.
#pragma once

#include <spdlog/spdlog.h>

#include <weft/config.hpp>

namespace weft::detail {

// The shared "weft" logger, created on first use (or the one the program registered).
spdlog::logger& log();
void set_log_level(log_level level);

}  // namespace weft::detail
