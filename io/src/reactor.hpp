// reactor.hpp — a worker's reactor: its timer service plus one I/O driver instance (an
// epoll set or an io_uring ring), which is also the worker's parker (io_driver.hpp). The
// worker polls it when out of work and parks in its driver's wait; others wake it through
// the driver's unpark.
//
// Who polls which driver: the owner, whenever it runs out of work, every
// global_queue_interval tasks and in its park; and an idle worker whose peer has not polled
// for helper_poll_age (stuck in a long task) — it takes the peer's poll lock with a
// try-lock and runs the peer's due timers and I/O, scheduling the woken tasks on itself.
//
// io_runtime is the io module's part of a runtime: the driver kind `auto` resolved to, the
// reactors by worker index (for helpers) and the blocking pool.
#pragma once

#include <weft/detail/histogram_recorder.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <weft/internal/timer_service.hpp>
#include <weft/io_config.hpp>

#include "blocking_pool.hpp"
#include "io_driver.hpp"

namespace weft::detail {

class reactor;

class io_runtime final : public timer_runtime {
public:
    io_runtime(const timer_config& timers, const io_config& io, std::uint32_t workers,
               const std::string& thread_name_prefix);

    std::unique_ptr<worker_services> make_worker(runtime_core& core, std::uint32_t index) override;
    void shutdown() noexcept override;
    std::string describe() const override;

    io_driver_kind kind() const noexcept { return kind_; }
    blocking_pool& blocking() noexcept { return blocking_; }
    // By worker index; a reactor clears its entry when it goes.
    std::vector<reactor*>& reactors() noexcept { return reactors_; }

private:
    const io_config config_;
    const io_driver_kind kind_;  // resolved: epoll or io_uring
    blocking_pool blocking_;     // spawn_blocking, file I/O under epoll
    std::vector<reactor*> reactors_;
};

class reactor final : public timer_service {
public:
    reactor(runtime_core& core, io_runtime& rt, std::uint32_t index, std::unique_ptr<io_driver> driver);
    ~reactor() override;

    // worker_services
    void attach() noexcept override;
    void detach() noexcept override;
    std::chrono::nanoseconds park_timeout() noexcept override;
    void poll() noexcept override;
    // The driver's wait dispatches its own events: after a park, polling the driver again
    // at once would be one more epoll_wait (or ring enter) that finds nothing.
    void poll_timers() noexcept override { fire_due(); }
    bool expects_events() noexcept override { return driver_.has_io(); }
    bool help_peers() noexcept override;
    void shutdown() noexcept override { driver_.stop(); }
    void add_metrics(worker_metrics& m) override;

    io_driver& driver() noexcept { return driver_; }
    // Owner thread: an I/O op that waited has completed after `ns` (io_op.cpp).
    void record_io_latency(std::int64_t ns) noexcept { io_latency_.record_ns(ns); }
    io_runtime& runtime() noexcept { return rt_; }

private:
    io_runtime& rt_;
    io_driver& driver_;  // owned by worker_services (it is the parker)
    const std::uint32_t index_;
    histogram_recorder io_latency_;
};

// The reactor of the worker running on this thread; nullptr off the workers and on the
// workers of a runtime built without io.
reactor* current_reactor() noexcept;

}  // namespace weft::detail
