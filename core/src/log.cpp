// log.cpp — creation of the "weft" logger and the report of errors nobody awaited.
#include <weft/internal/log.hpp>

#include <exception>

#include <spdlog/sinks/stdout_color_sinks.h>

#include <weft/detail/scheduler_api.hpp>
#include <weft/error.hpp>

namespace weft::detail {

spdlog::logger& log() {
    static std::shared_ptr<spdlog::logger> logger = [] {
        if (auto existing = spdlog::get("weft")) return existing;
        auto l = spdlog::stderr_color_mt("weft");
        l->set_level(spdlog::level::warn);
        return l;
    }();
    return *logger;
}

void set_log_level(log_level level) {
    static constexpr spdlog::level::level_enum map[] = {
        spdlog::level::trace, spdlog::level::debug,    spdlog::level::info, spdlog::level::warn,
        spdlog::level::err,   spdlog::level::critical, spdlog::level::off};
    log().set_level(map[static_cast<int>(level)]);
}

void report_unretrieved_error(const std::exception_ptr& e) noexcept {
    try {
        try {
            std::rethrow_exception(e);
        } catch (const cancelled_error&) {
            log().debug("a task that nobody awaited was cancelled");
        } catch (const std::exception& ex) {
            log().error("exception in a task that nobody awaited: {}", ex.what());
        } catch (...) {
            log().error("exception of unknown type in a task that nobody awaited");
        }
    } catch (...) {
        // Logging failed (out of memory, closed stderr): nothing better to do.
    }
}

void report_unjoined_group(bool scope, std::size_t live) noexcept {
    try {
        log().error(
            "weft::{} destroyed with {} child task(s) still running and never joined: they were cancelled and "
            "run on detached, possibly touching state that is gone. Join on every path: use "
            "weft::with_task_group (docs/structured-concurrency.md)",
            scope ? "task_scope" : "task_group", live);
    } catch (...) {
    }
}

}  // namespace weft::detail
