// runtime_stack.cpp — core's own services (a futex parker per worker, nothing to poll) and
// the registry of the default stack (see weft/runtime_stack.hpp).
#include <atomic>

#include <weft/runtime_stack.hpp>

namespace weft {
namespace detail {
namespace {

class core_services final : public runtime_services {
public:
    std::unique_ptr<worker_services> make_worker(runtime_core&, std::uint32_t) override {
        return std::make_unique<worker_services>(make_futex_parker());
    }
    std::string describe() const override { return "core"; }
};

// Registration runs during static initialisation, possibly from several shared objects'
// initialisers; an atomic pointer keeps it race-free without a function-local static.
std::atomic<const runtime_stack*> registered{nullptr};

}  // namespace

std::unique_ptr<runtime_services> make_core_services(runtime_core&, runtime_config&) {
    return std::make_unique<core_services>();
}

bool register_stack(const runtime_stack& s) noexcept {
    const runtime_stack* cur = registered.load(std::memory_order_acquire);
    while ((!cur || cur->level < s.level) &&
           !registered.compare_exchange_weak(cur, &s, std::memory_order_acq_rel, std::memory_order_acquire)) {
    }
    return true;
}

}  // namespace detail

const runtime_stack& default_stack() noexcept {
    const runtime_stack* s = detail::registered.load(std::memory_order_acquire);
    return s ? *s : core_stack;
}

}  // namespace weft
