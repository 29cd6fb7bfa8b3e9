// log.hpp — weft's spdlog logger (named "weft", to stderr). Internal to the library.
#pragma once

#include <memory>

#include <spdlog/spdlog.h>

#include <weft/config.hpp>

namespace weft::detail {

// The shared "weft" logger, created on first use.
spdlog::logger& log();
void set_log_level(log_level level);

}  // namespace weft::detail
