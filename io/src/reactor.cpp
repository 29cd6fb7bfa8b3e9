// reactor.cpp — a worker's timers and I/O driver together, and the io module's runtime
// services (see reactor.hpp).
#include "reactor.hpp"

#include <cstring>

#include <weft/error.hpp>
#include <weft/internal/log.hpp>
#include <weft/io_stack.hpp>

namespace weft::detail {
namespace {

[[gnu::tls_model("initial-exec")]] thread_local reactor* tl_reactor = nullptr;

// A peer that has not polled its reactor for this long is stuck in a long task: idle
// workers poll its timers and I/O for it.
constexpr std::int64_t helper_poll_age_ns = 1'000'000;

io_driver_kind resolve_driver(io_driver_kind wanted) {
    if (wanted == io_driver_kind::epoll) return wanted;
    int err = probe_uring();
    if (err == 0) return io_driver_kind::io_uring;
    if (wanted == io_driver_kind::io_uring)
        throw system_error(err, "io.driver = io_uring, but the kernel refuses an io_uring instance");
    log().warn("io_uring is unavailable ({}): using epoll", std::strerror(err));
    return io_driver_kind::epoll;
}

}  // namespace

std::unique_ptr<runtime_services> make_io_services(runtime_core& core, runtime_config& cfg) {
    return std::make_unique<io_runtime>(cfg.section<timer_config>(), cfg.section<io_config>(), core_worker_count(&core),
                                        cfg.thread_name_prefix);
}

io_runtime::io_runtime(const timer_config& timers, const io_config& io, std::uint32_t workers,
                       const std::string& thread_name_prefix)
    : timer_runtime(timers),
      config_(io),
      kind_(resolve_driver(io.driver)),
      blocking_(io.blocking_threads, std::chrono::milliseconds(io.blocking_keep_alive_ms), thread_name_prefix + "blk"),
      reactors_(workers, nullptr) {}

std::unique_ptr<worker_services> io_runtime::make_worker(runtime_core& core, std::uint32_t index) {
    std::unique_ptr<io_driver> d = kind_ == io_driver_kind::io_uring ? make_uring_driver(config_, blocking_)
                                                                     : make_epoll_driver(config_, blocking_);
    auto r = std::make_unique<reactor>(core, *this, index, std::move(d));
    reactors_.at(index) = r.get();
    return r;
}

void io_runtime::shutdown() noexcept {
    // Blocking calls in flight may still write into task frames: wait for them.
    blocking_.shutdown();
}

std::string io_runtime::describe() const { return "core + timers + io (" + to_string(kind_) + ")"; }

reactor::reactor(runtime_core& core, io_runtime& rt, std::uint32_t index, std::unique_ptr<io_driver> driver)
    : timer_service(core, rt.clock(), std::move(driver)),
      rt_(rt),
      driver_(static_cast<io_driver&>(sleeper())),
      index_(index) {}

reactor::~reactor() {
    if (index_ < rt_.reactors().size()) rt_.reactors()[index_] = nullptr;
}

reactor* current_reactor() noexcept { return tl_reactor; }

void reactor::attach() noexcept {
    timer_service::attach();
    tl_reactor = this;
}

void reactor::detach() noexcept {
    tl_reactor = nullptr;
    timer_service::detach();
}

std::chrono::nanoseconds reactor::park_timeout() noexcept {
    std::chrono::nanoseconds t = timer_service::park_timeout();
    // A running peer with I/O or timers pending may get stuck in a long task: come back
    // to help it.
    constexpr std::chrono::nanoseconds help_interval(helper_poll_age_ns);
    if (t.count() >= 0 && t <= help_interval) return t;
    for (reactor* peer : rt_.reactors())
        if (peer && peer != this && !peer->driver_.owner_parked() && (peer->driver_.has_io() || peer->has_timers()))
            return help_interval;
    return t;
}

void reactor::poll() noexcept {
    fire_due();
    driver_.poll_now();
}

bool reactor::help_peers() noexcept {
    const std::int64_t now = io_driver::steady_ns();
    bool helped = false;
    for (reactor* peer : rt_.reactors()) {
        if (!peer || peer == this) continue;
        helped |= peer->driver_.help(now, helper_poll_age_ns, [peer]() noexcept { peer->fire_due(); });
    }
    return helped;
}

}  // namespace weft::detail
