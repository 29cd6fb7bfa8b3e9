// timer_runtime.cpp — the timers module's runtime services: the clock every worker's
// timer_service shares, and the lookup of a runtime's clock (see
// weft/internal/timer_service.hpp).
#include <weft/error.hpp>
#include <weft/internal/timer_service.hpp>
#include <weft/runtime.hpp>
#include <weft/timers_stack.hpp>

namespace weft::detail {

std::unique_ptr<runtime_services> make_timer_services(runtime_core&, runtime_config& cfg) {
    return std::make_unique<timer_runtime>(cfg.section<timer_config>());
}

std::unique_ptr<worker_services> timer_runtime::make_worker(runtime_core& core, std::uint32_t) {
    return std::make_unique<timer_service>(core, clock_, make_futex_parker());
}

runtime_clock& clock_of(runtime_core& core) {
    auto* t = services_of(core).find<timer_runtime>();
    if (!t)
        throw error("weft: this runtime has no timers (it was built with " + services_of(core).describe() +
                    "); build it with weft::timers_stack or weft::io_stack");
    return t->clock();
}

}  // namespace weft::detail
