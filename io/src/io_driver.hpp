// io_driver.hpp — what the epoll and io_uring drivers share: the interface the reactor and
// the I/O awaiters use, and the driver's part in parking, polling and helping.
//
// A driver *is* its worker's parker (weft/detail/parker.hpp): the worker sleeps in the
// driver's wait (epoll_pwait2, or the ring's completion wait), so it wakes for I/O as well
// as for work, and unpark() kicks the wait (an eventfd write; io_uring keeps a read of that
// eventfd in flight). The permit protocol is the parker's; the driver adds the poll lock:
//   - poll_lock_ is held by whoever drives this driver (dispatches what is ready): the
//     owner parked in wait(), the owner polling without waiting, or an idle peer helping a
//     worker that is stuck in a long task (try-lock only). Every epoll_wait / ring wait on
//     the driver runs under it, so one thread at a time takes its events.
//   - wait() takes the lock and then looks at notified() before it blocks: a kick that a
//     helper consumed while it held the lock (reading the eventfd) left the permit behind,
//     so the owner never sleeps through it; a kick after the look wakes the wait, which
//     nobody else can consume now (the lock).
// Finished ops are resumed on the thread that took their event or completion — the
// worker's own LIFO slot when it is the owner (cache-warm), where idle workers can steal.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

#include <weft/detail/io_op.hpp>
#include <weft/detail/parker.hpp>
#include <weft/detail/spin_lock.hpp>
#include <weft/io_config.hpp>
#include <weft/io_metrics.hpp>

#include "fd_state.hpp"

namespace weft::detail {

class blocking_pool;

class io_driver : public parker {
public:
    explicit io_driver(blocking_pool& blocking) noexcept;

    virtual io_driver_kind kind() const noexcept = 0;

    // From the op's await_ready, on the owner's thread: true if the op finished at once
    // (op.result set; the task does not suspend). epoll makes the syscall here when it may
    // succeed; io_uring never finishes an op here.
    virtual bool try_now(io_op& op) noexcept = 0;
    // The task's canceller is installed. Queues or submits op; false if it finished at
    // once (op.result set: resume without suspending).
    virtual bool submit(io_op& op) noexcept = 0;
    // From op's canceller (any thread): ends the op early; the task is resumed once the
    // driver is done with it (result -ECANCELED, or the real result if it won the race).
    virtual void cancel(io_op& op) noexcept = 0;
    // The descriptor is being closed: every op waiting on it or in flight ends (ECANCELED).
    virtual void close_fd(fd_state& s) noexcept = 0;
    // Cheap, any thread: is anything registered or in flight (an event may come)?
    virtual bool has_io() const noexcept = 0;
    // Shutdown: after it returns the kernel touches no task frame through this driver.
    virtual void stop() noexcept = 0;

    // Dispatches what is ready without waiting, unless someone else is driving it. True if
    // it scheduled a task.
    bool poll_now() noexcept;
    // As poll_now, for a peer's driver whose owner has not polled for `stale_ns`: false
    // (nothing done) if it was polled since or is being driven. Runs `also` (the peer's
    // due timers) under the same lock first.
    template <class F>
    bool help(std::int64_t now_ns, std::int64_t stale_ns, F also) noexcept {
        if (now_ns - last_poll_ns_.load(std::memory_order_relaxed) < stale_ns) return false;
        if (!poll_lock_.try_lock()) return false;                // parked (waiting in its driver) or polled
        last_poll_ns_.store(now_ns, std::memory_order_relaxed);  // one helper at a time
        also();
        if (has_io()) drive(std::chrono::nanoseconds(0));
        poll_lock_.unlock();
        return true;
    }
    // The owner polled (or parked) now.
    void note_polled() noexcept { last_poll_ns_.store(steady_ns(), std::memory_order_relaxed); }
    // Whether the owner sleeps in this driver right now (read by peers deciding to help).
    bool owner_parked() const noexcept { return parked_.load(std::memory_order_relaxed); }

    // On the owner's thread (io_try): an op starts on s (the locality metric).
    void note_fd_op(const fd_state& s) noexcept {
        bump(fd_ops_);
        io_driver* home = s.home.load(std::memory_order_relaxed);
        if (home != nullptr && home != this) bump(fd_ops_remote_);
    }
    // This driver's counters (any thread).
    virtual io_metrics metrics() const noexcept;

    static std::int64_t steady_ns() noexcept {
        return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
            .count();
    }

protected:
    // With poll_lock_ held: dispatch what is ready, waiting up to `timeout` (0: don't wait,
    // negative: no limit) unless something is ready. True if it scheduled a task.
    virtual bool drive(std::chrono::nanoseconds timeout) noexcept = 0;
    // Makes a drive() that waits return (any thread).
    virtual void kick() noexcept = 0;

    // parker
    void wait(std::chrono::nanoseconds timeout) override;
    void wake() noexcept override { kick(); }

    // Ends op: records the result and resumes its task on the calling worker.
    static void complete(io_op& op, std::int64_t result) noexcept;
    // epoll, with s.lock held, for an op that leaves s's queue (or is finished in submit)
    // while its canceller is installed: takes the canceller out of the task now, so that
    // once the lock is dropped nothing reaches s through the op — s may then be closed and
    // freed before the task runs — and the task need not remove it when it resumes. If a
    // cancel() or the task dump is using the canceller right now (`busy`: a cancel may be
    // about to lock s, the dump reads op->fd), the op takes a reference on s instead; the
    // task drops it in io_finish, after remove_canceller waited for them.
    static void let_go_of_task(io_op& op, fd_state& s) noexcept;

    // A counter written by the owner's thread only.
    static void bump(std::atomic<std::uint64_t>& c) noexcept {
        c.store(c.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    }

    blocking_pool& blocking_;

private:
    std::atomic<std::uint64_t> fd_ops_{0};
    std::atomic<std::uint64_t> fd_ops_remote_{0};
    spin_lock poll_lock_;
    std::atomic<std::int64_t> last_poll_ns_{0};  // owner's last poll, steady clock
    std::atomic<bool> parked_{false};
};

// Driver factories (epoll_driver.cpp, uring_driver.cpp). The io_uring one throws
// system_error if the kernel refuses the ring.
std::unique_ptr<io_driver> make_epoll_driver(const io_config& cfg, blocking_pool& blocking);
std::unique_ptr<io_driver> make_uring_driver(const io_config& cfg, blocking_pool& blocking);

// Tests: make the next io_uring setups fail with `err` (0: stop failing).
void inject_uring_setup_failure(int err) noexcept;
// Tests: rings are set up as on a kernel that refuses COOP_TASKRUN (before 5.19).
void inject_uring_no_coop_taskrun(bool on) noexcept;
// Whether io_uring can be set up here (a probe ring), and if not the errno.
int probe_uring() noexcept;

}  // namespace weft::detail
