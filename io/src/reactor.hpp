// reactor.hpp — a worker's reactor: its timer service plus one I/O driver instance (an
// epoll set or an io_uring ring). It is the worker's hooks (worker_hooks.hpp): the worker
// polls it when out of work and parks in its wait, and others wake it through it.
//
// Parking (the parker contract, no lost wake-ups): `state_` is EMPTY, PARKED or NOTIFIED.
// park() takes poll_lock_ (so nobody else waits on this driver meanwhile), turns EMPTY
// into PARKED — or finds NOTIFIED and returns — and waits in the driver; unpark() sets
// NOTIFIED and, only if it replaced PARKED, kicks the driver (an eventfd write). A kick may
// be consumed by someone else polling this driver only while the owner is not parked (the
// lock), and then the NOTIFIED state carries the wake-up.
//
// Who polls which driver: the owner, whenever it runs out of work, every
// global_queue_interval tasks and in its park; and an idle worker whose peer has not polled
// for helper_poll_age (stuck in a long task) — it takes the peer's poll_lock_ with a
// try-lock and runs the peer's due timers and I/O, scheduling the woken tasks on itself.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

#include <weft/config.hpp>
#include <weft/detail/io_op.hpp>
#include <weft/detail/spin_lock.hpp>

#include "blocking_pool.hpp"
#include "fd_state.hpp"
#include "timer_service.hpp"

namespace weft::detail {

class reactor;

// What the reactors of one runtime share (runtime_core keeps it, hook_state_slot::io).
struct io_shared {
    io_shared(const runtime_config& cfg, std::uint32_t workers);
    io_driver_kind kind;                     // resolved: epoll or io_uring
    std::vector<reactor*> reactors;          // by worker index
    blocking_pool blocking;                  // spawn_blocking, file I/O under epoll
    std::atomic<std::uint64_t> offloads{0};  // offload() calls in flight (shutdown waits)
};

class reactor : public timer_service {
public:
    reactor(runtime_core& core, runtime_clock& clock, io_shared& shared, std::uint32_t index);
    ~reactor() override;

    // worker_hooks
    std::chrono::nanoseconds park_timeout() noexcept override;
    void poll() noexcept override;
    void park(std::chrono::nanoseconds timeout) override;
    void unpark() noexcept override;
    bool help_peers() noexcept override;
    bool waits_for_io() noexcept override { return has_io(); }
    void shutdown() noexcept override;

    virtual io_driver_kind kind() const noexcept = 0;
    // The task's canceller is installed. Queues or submits op; false if it finished at
    // once (op.result set: resume without suspending).
    virtual bool submit(io_op& op) noexcept = 0;
    // From op's canceller (any thread): ends the op early; the task is resumed once the
    // driver is done with it (result -ECANCELED, or the real result if it won the race).
    virtual void cancel(io_op& op) noexcept = 0;
    // The descriptor is being closed: every op waiting on it or in flight ends (ECANCELED).
    virtual void close_fd(fd_state& s) noexcept = 0;

    io_shared& shared() noexcept { return shared_; }
    std::uint32_t index() const noexcept { return index_; }

protected:
    // With poll_lock_ held: dispatch what is ready, waiting up to `timeout` (0: don't wait,
    // negative: no limit) unless something is ready. True if it scheduled a task.
    virtual bool drive(std::chrono::nanoseconds timeout) noexcept = 0;
    // Makes a drive() that waits return (any thread).
    virtual void kick() noexcept = 0;
    // Cheap: is there anything for drive() to look at besides the kick?
    virtual bool has_io() const noexcept = 0;
    // The driver part of shutdown: no kernel access to task frames after it returns.
    virtual void stop_driver() noexcept = 0;

    // Ends op: records the result and resumes its task on the calling worker.
    static void complete(io_op& op, std::int64_t result) noexcept;

    io_shared& shared_;
    const std::uint32_t index_;

private:
    bool poll_io_and_timers() noexcept;

    enum : int { empty = 0, parked = 1, notified = 2 };
    std::atomic<int> state_{empty};
    spin_lock poll_lock_;
    std::atomic<std::int64_t> last_poll_ns_{0};  // owner's last poll, steady clock
};

// The reactor of the worker running on this thread, or nullptr off the workers.
inline reactor* current_reactor() noexcept { return static_cast<reactor*>(current_worker_hooks()); }

// Driver factories (epoll_reactor.cpp, uring_reactor.cpp). The io_uring one throws
// system_error if the kernel refuses the ring.
std::unique_ptr<reactor> make_epoll_reactor(runtime_core& core, runtime_clock& clock, io_shared& shared,
                                            std::uint32_t index);
std::unique_ptr<reactor> make_uring_reactor(runtime_core& core, runtime_clock& clock, io_shared& shared,
                                            std::uint32_t index);

// Tests: make the next io_uring setups fail with `err` (0: stop failing).
void inject_uring_setup_failure(int err) noexcept;
// Whether io_uring can be set up here (a probe ring), and if not the errno.
int probe_uring() noexcept;

}  // namespace weft::detail
