// reactor.cpp — what every driver's reactor shares: parking, polling, helping stuck
// peers, shutdown; and the link-time hook that gives each worker its reactor
// (make_worker_hooks, declared in core).
#include "reactor.hpp"

#include <cstring>
#include <thread>

#include <weft/error.hpp>
#include <weft/runtime.hpp>

#include "log.hpp"

namespace weft::detail {
namespace {

// A peer that has not polled its reactor for this long is stuck in a long task: idle
// workers poll its timers and I/O for it.
constexpr std::int64_t helper_poll_age_ns = 1'000'000;

std::int64_t steady_ns() noexcept {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

io_driver_kind resolve_driver(io_driver_kind wanted) {
    if (wanted == io_driver_kind::epoll) return wanted;
    int err = probe_uring();
    if (err == 0) return io_driver_kind::io_uring;
    if (wanted == io_driver_kind::io_uring)
        throw system_error(err, "io_driver = io_uring, but the kernel refuses an io_uring instance");
    log().warn("io_uring is unavailable ({}): using epoll", std::strerror(err));
    return io_driver_kind::epoll;
}

}  // namespace

io_shared::io_shared(const runtime_config& cfg, std::uint32_t workers)
    : kind(resolve_driver(cfg.io_driver)),
      reactors(workers, nullptr),
      blocking(cfg.blocking_threads, std::chrono::milliseconds(cfg.blocking_keep_alive_ms),
               cfg.thread_name_prefix + "blk") {}

std::unique_ptr<worker_hooks> make_worker_hooks(runtime_core& core, std::uint32_t index) {
    std::shared_ptr<void>& slot = shared_hook_state(core, hook_state_slot::io);
    const runtime_config& cfg = core_config(&core);
    if (!slot) slot = std::make_shared<io_shared>(cfg, cfg.resolved_workers());
    auto& shared = *static_cast<io_shared*>(slot.get());
    std::unique_ptr<reactor> r = shared.kind == io_driver_kind::io_uring
                                     ? make_uring_reactor(core, clock_of(core), shared, index)
                                     : make_epoll_reactor(core, clock_of(core), shared, index);
    if (index >= shared.reactors.size()) shared.reactors.resize(index + 1, nullptr);
    shared.reactors[index] = r.get();
    return r;
}

reactor::reactor(runtime_core& core, runtime_clock& clock, io_shared& shared, std::uint32_t index)
    : timer_service(core, clock), shared_(shared), index_(index) {
    last_poll_ns_.store(steady_ns(), std::memory_order_relaxed);
}

reactor::~reactor() {
    if (index_ < shared_.reactors.size()) shared_.reactors[index_] = nullptr;
}

void reactor::complete(io_op& op, std::int64_t result) noexcept {
    op.result = result;
    op.state.store(2, std::memory_order_release);
    schedule(op.root->core(), op.handle, schedule_hint::wake);
}

bool reactor::poll_io_and_timers() noexcept {
    timer_service::poll();
    if (!has_io() || !poll_lock_.try_lock()) return false;  // a helper is polling it right now
    bool any = drive(std::chrono::nanoseconds(0));
    poll_lock_.unlock();
    return any;
}

std::chrono::nanoseconds reactor::park_timeout() noexcept {
    std::chrono::nanoseconds t = timer_service::park_timeout();
    // A running peer with I/O or timers pending may get stuck in a long task: come back
    // to help it.
    constexpr std::chrono::nanoseconds help_interval(helper_poll_age_ns);
    if (t.count() >= 0 && t <= help_interval) return t;
    for (reactor* peer : shared_.reactors)
        if (peer && peer != this && peer->state_.load(std::memory_order_relaxed) != parked &&
            (peer->has_io() || peer->has_timers()))
            return help_interval;
    return t;
}

void reactor::poll() noexcept {
    last_poll_ns_.store(steady_ns(), std::memory_order_relaxed);
    poll_io_and_timers();
}

void reactor::park(std::chrono::nanoseconds timeout) {
    poll_lock_.lock();
    int expected = empty;
    if (state_.compare_exchange_strong(expected, parked, std::memory_order_acq_rel)) {
        drive(timeout);
        state_.exchange(empty, std::memory_order_acq_rel);
    } else {
        state_.store(empty, std::memory_order_release);  // consume the notification
    }
    last_poll_ns_.store(steady_ns(), std::memory_order_relaxed);
    poll_lock_.unlock();
}

void reactor::unpark() noexcept {
    if (state_.exchange(notified, std::memory_order_acq_rel) == parked) kick();
}

bool reactor::help_peers() noexcept {
    const std::int64_t now = steady_ns();
    bool helped = false;
    for (reactor* peer : shared_.reactors) {
        if (!peer || peer == this) continue;
        if (now - peer->last_poll_ns_.load(std::memory_order_relaxed) < helper_poll_age_ns) continue;
        // A parked peer holds its lock: it is waiting in its driver already.
        if (!peer->poll_lock_.try_lock()) continue;
        peer->last_poll_ns_.store(now, std::memory_order_relaxed);  // one helper at a time
        peer->timer_service::poll();
        if (peer->has_io()) peer->drive(std::chrono::nanoseconds(0));
        peer->poll_lock_.unlock();
        helped = true;
    }
    return helped;
}

void reactor::shutdown() noexcept {
    stop_driver();
    if (index_ != 0) return;
    // Work that may still write into task frames: blocking calls and offloads in flight.
    shared_.blocking.shutdown();
    while (shared_.offloads.load(std::memory_order_acquire) != 0) std::this_thread::yield();
}

}  // namespace weft::detail
