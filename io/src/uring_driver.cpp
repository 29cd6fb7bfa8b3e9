// uring_driver.cpp — the io_uring driver: completions.
//
// Ops are queued as SQEs on the ring of the worker whose task issued them and submitted in
// batches: when io_submit_batch are queued, when the worker polls (out of work, every
// global_queue_interval tasks) and before it waits. A completion resumes its task on the
// thread that reaps it (the owner, or a helper polling for a stuck owner).
//
// Setup flags: no SINGLE_ISSUER (a helper or a canceller's reactor may submit), and no
// COOP_TASKRUN/DEFER_TASKRUN: with them, completions wait until the owner enters the
// kernel, so a worker stuck in a long task would hold back its I/O even from helpers.
//
// Cancellation: a canceller (any thread) puts the op on the ring's cancel list and wakes
// the driver's owner; whoever drives it next submits IORING_OP_ASYNC_CANCEL. The task resumes only
// with the op's own completion (-ECANCELED, or its real result if it won the race), so the
// kernel never writes into a buffer that is gone. The completion takes the op off the
// cancel list first (same lock), so a late cancel cannot name a finished op.
//
// Locks: ring_lock_ guards the submission and completion queues (unsubmitted_,
// wake_armed_); cancel_lock_ guards the cancel list and each op's cancel_queued, and is
// taken inside ring_lock_ when both are needed. in_flight_ and pending_cancels_ are read
// without a lock by has_io() and drive() (a stale read costs one extra or one later look).
#include <liburing.h>
#include <poll.h>
#include <sys/eventfd.h>

#include <atomic>
#include <chrono>
#include <cstring>

#include <weft/detail/scheduler_api.hpp>
#include <weft/error.hpp>
#include <weft/internal/log.hpp>

#include "io_driver.hpp"
#include "perform.hpp"

namespace weft::detail {

namespace {

std::atomic<int> injected_setup_failure{0};

constexpr std::uint64_t wake_tag = 1;    // the eventfd read that wakes a waiting ring
constexpr std::uint64_t cancel_tag = 2;  // completions of our ASYNC_CANCELs

int setup_ring(io_uring* ring, unsigned entries) noexcept {
    if (int err = injected_setup_failure.load(std::memory_order_relaxed); err != 0) return err;
    io_uring_params p{};
    p.flags = IORING_SETUP_CLAMP | IORING_SETUP_SUBMIT_ALL;
    int r = io_uring_queue_init_params(entries, ring, &p);
    return r < 0 ? -r : 0;
}

class uring_driver final : public io_driver {
public:
    uring_driver(const io_config& cfg, blocking_pool& blocking) : io_driver(blocking), batch_(cfg.submit_batch) {
        if (int err = setup_ring(&ring_, cfg.uring_entries); err != 0) throw system_error(err, "io_uring_queue_init");
        wake_fd_ = ::eventfd(0, EFD_CLOEXEC);
        if (wake_fd_ < 0) {
            int err = errno;
            io_uring_queue_exit(&ring_);
            throw system_error(err, "eventfd");
        }
    }

    ~uring_driver() override {
        stop();
        ::close(wake_fd_);
    }

    io_driver_kind kind() const noexcept override { return io_driver_kind::io_uring; }

    // Every op goes through the ring (one SQE, one CQE), even a read that could finish now.
    bool try_now(io_op&) noexcept override { return false; }

    bool submit(io_op& op) noexcept override {
        if (op.fd) {
            fd_state& s = *op.fd;
            s.lock.lock();
            if (s.closed) {
                s.lock.unlock();
                op.result = -EBADF;
                op.state.store(op_state::done, std::memory_order_relaxed);
                return false;
            }
            s.queue_for(op.code).push_back(&op);
            op.in_fd_queue = true;
            s.add_ref();
            op.holds_ref = true;
            s.lock.unlock();
        }
        ring_lock_.lock();
        io_uring_sqe* sqe = get_sqe();
        prepare(sqe, op);
        in_flight_.fetch_add(1, std::memory_order_relaxed);
        if (++unsubmitted_ >= batch_) flush();
        ring_lock_.unlock();
        return true;
    }

    void cancel(io_op& op) noexcept override {
        cancel_lock_.lock();
        bool queue = op.state.load(std::memory_order_relaxed) == op_state::pending && !op.cancel_queued;
        if (queue) {
            cancels_.push_back(&op);
            op.cancel_queued = true;
            pending_cancels_.store(true, std::memory_order_relaxed);
        }
        cancel_lock_.unlock();
        if (queue) unpark();  // the owner, parked or not, submits it on its next drive
    }

    void close_fd(fd_state& s) noexcept override {
        s.lock.lock();
        s.closed = true;
        for (auto* q : {&s.readers, &s.writers})
            for (io_op* op = q->head; op; op = op->next) op->owner->cancel(*op);
        s.lock.unlock();
    }

    bool has_io() const noexcept override {
        return in_flight_.load(std::memory_order_relaxed) != 0 || pending_cancels_.load(std::memory_order_relaxed);
    }

    void stop() noexcept override {
        if (stopped_) return;
        stopped_ = true;
        // Cancel everything and wait for the completions: after this, the kernel holds no
        // buffer of any task frame.
        ring_lock_.lock();
        io_uring_sqe* sqe = get_sqe();
        io_uring_prep_cancel64(sqe, 0, IORING_ASYNC_CANCEL_ANY);
        io_uring_sqe_set_data64(sqe, cancel_tag);
        ++unsubmitted_;
        flush();
        reap();
        ring_lock_.unlock();
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        while (in_flight_.load(std::memory_order_relaxed) != 0 && std::chrono::steady_clock::now() < deadline) {
            io_uring_cqe* cqe = nullptr;
            __kernel_timespec ts{0, 10'000'000};
            io_uring_wait_cqe_timeout(&ring_, &cqe, &ts);
            ring_lock_.lock();
            reap();
            ring_lock_.unlock();
        }
        if (auto n = in_flight_.load(std::memory_order_relaxed); n != 0)
            log().error("io_uring: {} operations did not finish at shutdown", n);
        io_uring_queue_exit(&ring_);
    }

protected:
    bool drive(std::chrono::nanoseconds timeout) noexcept override {
        if (pending_cancels_.load(std::memory_order_relaxed)) submit_cancels();
        ring_lock_.lock();
        bool any = reap();
        if (!wake_armed_) {
            io_uring_sqe* sqe = get_sqe();
            io_uring_prep_read(sqe, wake_fd_, &wake_buf_, sizeof wake_buf_, 0);
            io_uring_sqe_set_data64(sqe, wake_tag);
            ++unsubmitted_;
            wake_armed_ = true;
        }
        if (unsubmitted_) flush();
        if (!any && timeout.count() == 0 && in_flight_.load(std::memory_order_relaxed) != 0) {
            // Completions whose task_work waits for a kernel entry of their submitter (a
            // worker spinning before it parks enters none): run it and look again.
            io_uring_get_events(&ring_);
            any = reap();
        }
        ring_lock_.unlock();
        if (any || timeout.count() == 0) return any;
        // Only the owner waits (park() holds the poll lock): no one else touches the ring's
        // submission side meanwhile, and liburing's wait does not submit.
        io_uring_cqe* cqe = nullptr;
        __kernel_timespec ts{};
        if (timeout.count() > 0) {
            ts.tv_sec = timeout.count() / 1'000'000'000;
            ts.tv_nsec = timeout.count() % 1'000'000'000;
        }
        io_uring_wait_cqe_timeout(&ring_, &cqe, timeout.count() > 0 ? &ts : nullptr);
        ring_lock_.lock();
        any = reap();
        ring_lock_.unlock();
        return any;
    }

    void kick() noexcept override {
        std::uint64_t one = 1;
        [[maybe_unused]] auto r = ::write(wake_fd_, &one, sizeof one);
    }

private:
    // ring_lock_ held. Never null: a full queue is submitted to make room.
    io_uring_sqe* get_sqe() noexcept {
        io_uring_sqe* sqe;
        while (!(sqe = io_uring_get_sqe(&ring_))) {
            io_uring_submit(&ring_);
            unsubmitted_ = 0;
        }
        return sqe;
    }

    void flush() noexcept {
        int r = io_uring_submit(&ring_);
        if (r < 0 && r != -EBUSY && r != -EAGAIN && r != -EINTR) log().error("io_uring_submit: {}", std::strerror(-r));
        // What the kernel did not take (a transient EBUSY/EAGAIN) stays queued for the next flush.
        unsubmitted_ = io_uring_sq_ready(&ring_);
    }

    static void prepare(io_uring_sqe* sqe, io_op& op) noexcept {
        const int fd = op.fd ? op.fd->fd : -1;
        const auto here = static_cast<__u64>(-1);  // the descriptor's current position
        switch (op.code) {
            case io_opcode::read:
                io_uring_prep_read(sqe, fd, op.buf, op.len, here);
                break;
            case io_opcode::write:
                io_uring_prep_write(sqe, fd, op.buf, op.len, here);
                break;
            case io_opcode::readv:
                io_uring_prep_readv(sqe, fd, static_cast<const iovec*>(op.buf), op.len, here);
                break;
            case io_opcode::writev:
                io_uring_prep_writev(sqe, fd, static_cast<const iovec*>(op.buf), op.len, here);
                break;
            case io_opcode::pread:
                io_uring_prep_read(sqe, fd, op.buf, op.len, op.offset);
                break;
            case io_opcode::pwrite:
                io_uring_prep_write(sqe, fd, op.buf, op.len, op.offset);
                break;
            case io_opcode::wait_readable:
                io_uring_prep_poll_add(sqe, fd, POLLIN);
                break;
            case io_opcode::wait_writable:
                io_uring_prep_poll_add(sqe, fd, POLLOUT);
                break;
            case io_opcode::fsync:
                io_uring_prep_fsync(sqe, fd, 0);
                break;
            case io_opcode::openat:
                io_uring_prep_openat(sqe, AT_FDCWD, static_cast<const char*>(op.buf),
                                     static_cast<int>(op.len) | O_CLOEXEC, static_cast<mode_t>(op.offset));
                break;
            case io_opcode::accept:
                io_uring_prep_accept(sqe, fd, static_cast<sockaddr*>(op.buf), static_cast<socklen_t*>(op.aux),
                                     SOCK_NONBLOCK | SOCK_CLOEXEC);
                break;
            case io_opcode::connect:
                io_uring_prep_connect(sqe, fd, static_cast<const sockaddr*>(op.buf), static_cast<socklen_t>(op.len));
                break;
            case io_opcode::recv:
                io_uring_prep_recv(sqe, fd, op.buf, op.len, op.aux_flags);
                break;
            case io_opcode::send:
                io_uring_prep_send(sqe, fd, op.buf, op.len, op.aux_flags | MSG_NOSIGNAL);
                break;
            case io_opcode::recvfrom:
                io_uring_prep_recvmsg(sqe, fd, static_cast<msghdr*>(op.buf), static_cast<unsigned>(op.aux_flags));
                break;
            case io_opcode::sendto:
                io_uring_prep_sendmsg(sqe, fd, static_cast<const msghdr*>(op.buf),
                                      static_cast<unsigned>(op.aux_flags) | MSG_NOSIGNAL);
                break;
        }
        io_uring_sqe_set_data(sqe, &op);
    }

    void submit_cancels() noexcept {
        ring_lock_.lock();
        cancel_lock_.lock();
        pending_cancels_.store(false, std::memory_order_relaxed);
        while (blocking_job* j = cancels_.pop_front()) {
            auto* op = static_cast<io_op*>(j);
            op->cancel_queued = false;
            io_uring_sqe* sqe = get_sqe();
            io_uring_prep_cancel(sqe, op, 0);
            io_uring_sqe_set_data64(sqe, cancel_tag);
            ++unsubmitted_;
        }
        cancel_lock_.unlock();
        flush();
        ring_lock_.unlock();
    }

    // ring_lock_ held. Resumes the tasks whose ops completed; true if any.
    bool reap() noexcept {
        bool any = false;
        unsigned head;
        unsigned seen = 0;
        io_uring_cqe* cqe;
        io_uring_for_each_cqe(&ring_, head, cqe) {
            ++seen;
            const std::uint64_t tag = cqe->user_data;
            if (tag == wake_tag) {
                wake_armed_ = false;
                continue;
            }
            if (tag == cancel_tag) continue;
            auto* op = reinterpret_cast<io_op*>(tag);
            in_flight_.fetch_sub(1, std::memory_order_relaxed);
            cancel_lock_.lock();
            if (op->cancel_queued) {
                cancels_.erase(op);
                op->cancel_queued = false;
            }
            op->result = cqe->res;
            op->state.store(op_state::done, std::memory_order_release);  // no cancel can queue it now
            cancel_lock_.unlock();
            if (op->fd) {
                op->fd->lock.lock();
                if (op->in_fd_queue) {
                    op->fd->queue_for(op->code).erase(op);
                    op->in_fd_queue = false;
                }
                op->fd->lock.unlock();
            }
            schedule(op->root->core(), op->handle, schedule_hint::wake);
            any = true;
        }
        io_uring_cq_advance(&ring_, seen);
        return any;
    }

    io_uring ring_{};
    const std::uint32_t batch_;
    int wake_fd_ = -1;
    std::uint64_t wake_buf_ = 0;
    bool wake_armed_ = false;
    bool stopped_ = false;
    spin_lock ring_lock_;  // the submission and completion queues
    std::uint32_t unsubmitted_ = 0;
    std::atomic<std::uint32_t> in_flight_{0};
    spin_lock cancel_lock_;
    intrusive_list<blocking_job> cancels_;  // ops to cancel (their blocking_job links)
    std::atomic<bool> pending_cancels_{false};
};

}  // namespace

void inject_uring_setup_failure(int err) noexcept { injected_setup_failure.store(err, std::memory_order_relaxed); }

int probe_uring() noexcept {
    io_uring ring;
    int err = setup_ring(&ring, 8);
    if (err == 0) io_uring_queue_exit(&ring);
    return err;
}

std::unique_ptr<io_driver> make_uring_driver(const io_config& cfg, blocking_pool& blocking) {
    return std::make_unique<uring_driver>(cfg, blocking);
}

}  // namespace weft::detail
