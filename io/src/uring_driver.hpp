// uring_driver.hpp — the io_uring driver: completions.
//
// Ops are queued as SQEs on the ring of the worker whose task issued them and submitted in
// batches: when io_submit_batch are queued, when the worker polls (out of work, every
// global_queue_interval tasks) and before it waits. A completion resumes its task on the
// thread that reaps it (the owner, or a helper polling for a stuck owner).
//
// One io_uring_enter per event-loop turn: a poll that has SQEs to submit, or nothing reaped
// while ops are in flight, makes one enter that submits and runs the completions' task
// work (io_uring_submit_and_get_events); a park submits and waits in one enter
// (io_uring_submit_and_wait_timeout).
//
// The fast path of TCP streams and listeners (uring_multishot.cpp): the first read (or
// accept) a task waits for arms one multishot receive with provided buffers (or one
// multishot accept) on its worker's ring, the descriptor's home; later reads take the
// received bytes from the descriptor's queue without an SQE of their own. Kernels without
// provided buffer rings (before 5.19) or multishot receive (before 6.0) get one log line and
// the plain path (one SQE per read).
//
// Setup flags: COOP_TASKRUN | TASKRUN_FLAG where the kernel has them (5.19): a completion's
// task work runs at its submitter's next kernel entry rather than by interrupting it (an
// IPI per completion, a fifth of the CPU under W8); a worker stuck in a long task still runs
// it at its next timer tick, and helpers reap it from there. No DEFER_TASKRUN: it would
// hold completions until the owner itself enters the ring, even from helpers. No
// SINGLE_ISSUER (a helper or a canceller's reactor may submit).
// Registered ring fd: the registration is per thread, and helpers enter the ring from
// theirs, so it is not used.
//
// Cancellation: a canceller (any thread) puts the op on the ring's cancel list and wakes
// the driver's owner; whoever drives it next submits IORING_OP_ASYNC_CANCEL. The task
// resumes only with the op's own completion (-ECANCELED, or its real result if it won the
// race), so the kernel never writes into a buffer that is gone. The completion takes the
// op off the cancel list first (same lock), so a late cancel cannot name a finished op. An
// op waiting for its multishot (no SQE) is taken off its descriptor's queue at once.
//
// Locks, in the order they nest: a descriptor's lock, ring_lock_ (the submission and
// completion queues, unsubmitted_, wake_armed_, woken_), cancel_lock_ (the cancel lists,
// each op's cancel_queued), reg_lock_ (the descriptors homed here), a provided buffer ring's lock.
// Completions are copied out under ring_lock_ and handled after it is released. in_flight_
// and pending_cancels_ are read without a lock by has_io() and drive() (a stale read costs
// one extra or one later look).
#pragma once

#include <liburing.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <vector>

#include "io_driver.hpp"
#include "uring_buffers.hpp"

namespace weft::detail {

class uring_driver final : public io_driver {
public:
    uring_driver(const io_config& cfg, blocking_pool& blocking);
    ~uring_driver() override;

    io_driver_kind kind() const noexcept override { return io_driver_kind::io_uring; }
    bool try_now(io_op& op) noexcept override;
    bool submit(io_op& op) noexcept override;
    void cancel(io_op& op) noexcept override;
    void close_fd(fd_state& s) noexcept override;
    bool has_io() const noexcept override {
        return in_flight_.load(std::memory_order_relaxed) != 0 || pending_cancels_.load(std::memory_order_relaxed);
    }
    void stop() noexcept override;
    io_metrics metrics() const noexcept override;

protected:
    bool drive(std::chrono::nanoseconds timeout) noexcept override;
    void kick() noexcept override;

private:
    // A completion, copied out of the ring. user_data's low 3 bits say what it is for.
    struct completion {
        std::uint64_t tag;
        std::int32_t res;
        std::uint32_t flags;
    };
    enum tag_kind : std::uint64_t { tag_op = 0, tag_recv = 1, tag_accept = 2, tag_wake = 3, tag_cancel = 4 };
    static constexpr std::uint64_t tag_mask = 7;

    // ring_lock_ held. Never null: a full queue is submitted to make room.
    io_uring_sqe* get_sqe() noexcept;
    // ring_lock_ held: one enter that submits what is queued (and runs task work if `events`).
    void enter(bool events) noexcept;
    // ring_lock_ held: queues op's own SQE.
    void queue_sqe(io_op& op) noexcept;
    void queue_async_cancel(io_op& op) noexcept;
    void submit_cancels() noexcept;
    // Takes the completions out of the ring and handles them; true if a task was scheduled.
    bool reap() noexcept;
    bool handle(const completion& c) noexcept;
    static void prepare(io_uring_sqe* sqe, io_op& op) noexcept;
    // Completions wait for an enter: their task work, or an overflowed completion queue to
    // flush (always assumed without the kernel's IORING_SQ_TASKRUN flag).
    bool task_work_pending() const noexcept {
        return !taskrun_flag_ ||
               (IO_URING_READ_ONCE(*ring_.sq.kflags) & (IORING_SQ_TASKRUN | IORING_SQ_CQ_OVERFLOW)) != 0;
    }

    // uring_multishot.cpp
    bool multishot_op(const io_op& op) const noexcept;  // may be served by a multishot
    // s.lock held: finishes op from what the multishot delivered; false if nothing is there.
    static bool serve(fd_state& s, io_op& op) noexcept;
    // s.lock held, on the home's thread: arms the multishot that op's kind waits for.
    void arm(fd_state& s, bool accept) noexcept;
    // s.lock held: makes s homed here (its multishot_state, our registration reference).
    void adopt(fd_state& s) noexcept;
    bool submit_multishot(io_op& op) noexcept;
    bool cancel_waiter(io_op& op) noexcept;
    bool on_multishot(fd_state& s, const completion& c, bool accept) noexcept;
    // s.lock held: ends what the multishot state holds (closing or stopping); `cancel`: ask
    // the kernel to end the armed multishots.
    void drop_multishot(fd_state& s, bool cancel) noexcept;
    void release_homed() noexcept;
    void no_multishot_recv() noexcept;  // the kernel refused IORING_RECV_MULTISHOT

    io_uring ring_{};
    const std::uint32_t batch_;
    const std::uint32_t recv_buffers_;
    const std::uint32_t recv_buffer_size_;
    int wake_fd_ = -1;
    std::uint64_t wake_buf_ = 0;
    bool wake_armed_ = false;
    bool woken_ = false;  // a reap took the wake-up read's completion since the last wait ended
    bool stopped_ = false;
    bool taskrun_flag_ = false;               // COOP_TASKRUN | TASKRUN_FLAG accepted (5.19)
    bool multishot_accept_ = false;           // the kernel has it (5.19)
    std::atomic<bool> recv_multishot_{true};  // false once the kernel refused it (5.19)
    spin_lock ring_lock_;
    std::uint32_t unsubmitted_ = 0;
    std::atomic<std::uint32_t> in_flight_{0};
    spin_lock cancel_lock_;
    intrusive_list<blocking_job> cancels_;    // ops to cancel (their blocking_job links)
    std::vector<std::uint64_t> tag_cancels_;  // multishots to cancel (their tags)
    std::atomic<bool> pending_cancels_{false};
    provided_buffers buffers_;
    spin_lock reg_lock_;
    fd_state* homed_ = nullptr;  // descriptors homed here (reg_prev/reg_next), a reference each

    std::atomic<std::uint64_t> arms_{0};
    std::atomic<std::uint64_t> rearms_{0};
    std::atomic<std::uint64_t> exhaustions_{0};
    std::atomic<std::uint64_t> single_shot_reads_{0};
    std::atomic<std::uint64_t> enters_{0};
};

// Tests: make the kernel refuse the next multishot receives (EINVAL), as 5.19 does.
void inject_multishot_recv_einval(bool on) noexcept;
// Tests: the "feature unavailable" lines (logged once per process) may be logged again.
void reset_uring_feature_logs() noexcept;

}  // namespace weft::detail
