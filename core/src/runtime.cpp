// runtime.cpp — the public runtime class over runtime_core.
#include <weft/runtime.hpp>

#include "runtime_core.hpp"

namespace weft {
namespace detail {

runtime_core* make_started_core(const runtime_config& cfg, const runtime_stack& stack) {
    auto core = std::make_unique<runtime_core>(cfg, stack);
    core->start();
    return core.release();
}

void destroy_core(runtime_core* core) noexcept { delete core; }

runtime_metrics core_metrics(const runtime_core* core) { return core->metrics(); }

}  // namespace detail

runtime::runtime() : runtime(runtime_config::load()) {}

runtime::runtime(const runtime_config& config) : runtime(config, default_stack()) {}

runtime::runtime(const runtime_config& config, const runtime_stack& stack)
    : core_(detail::make_started_core(config, stack)) {}

runtime::~runtime() { detail::destroy_core(core_); }

std::uint32_t runtime::worker_count() const noexcept { return core_->worker_count(); }

std::string runtime::stack_description() const { return core_->services().describe(); }

}  // namespace weft
