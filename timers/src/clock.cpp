// clock.cpp — weft::now() and advance_time() over the runtime's shared clock.
#include <weft/clock.hpp>
#include <weft/error.hpp>
#include <weft/runtime.hpp>

#include <weft/internal/timer_service.hpp>

namespace weft {

std::chrono::steady_clock::time_point now() noexcept {
    if (detail::timer_service* svc = detail::current_timer_service()) return svc->now();
    return std::chrono::steady_clock::now();
}

std::chrono::steady_clock::time_point now(const runtime& rt) noexcept {
    auto* t = detail::services_of(*rt.core_handle()).find<detail::timer_runtime>();
    return t ? t->clock().now() : std::chrono::steady_clock::now();
}

void advance_time(runtime& rt, std::chrono::nanoseconds d) {
    detail::runtime_clock& clock = detail::clock_of(*rt.core_handle());
    if (!clock.paused) throw error("weft::advance_time: the runtime's time is not paused (timer_config::paused)");
    if (d.count() < 0) throw error("weft::advance_time: time cannot go backwards");
    clock.paused_offset_ns.fetch_add(d.count(), std::memory_order_acq_rel);
    detail::wake_all_workers(*rt.core_handle());  // each re-reads its next deadline
}

}  // namespace weft
