// uring_driver.cpp — the io_uring driver's rings, submissions, completions and cancels (see
// uring_driver.hpp; the multishot fast path is in uring_multishot.cpp).
#include "uring_driver.hpp"

#include <poll.h>
#include <sys/eventfd.h>

#include <cstring>

#include <weft/detail/scheduler_api.hpp>
#include <weft/error.hpp>
#include <weft/internal/log.hpp>

#include "perform.hpp"

namespace weft::detail {

namespace {

std::atomic<int> injected_setup_failure{0};
std::atomic<bool> injected_no_coop{false};  // tests: the kernel refuses COOP_TASKRUN (before 5.19)

// Cooperative task running (5.19): a completion's task work waits for its submitter's next
// kernel entry (an enter, any syscall, the next tick's interrupt) instead of interrupting it
// with an IPI; the kernel flags the ring (IORING_SQ_TASKRUN) while some is pending. Under
// W8 the IPIs cost a fifth of the server's CPU. Older kernels refuse the flags: plain ring.
int setup_ring(io_uring* ring, unsigned entries, bool* taskrun_flag = nullptr) noexcept {
    if (int err = injected_setup_failure.load(std::memory_order_relaxed); err != 0) return err;
    io_uring_params p{};
    p.flags = IORING_SETUP_CLAMP | IORING_SETUP_SUBMIT_ALL | IORING_SETUP_COOP_TASKRUN | IORING_SETUP_TASKRUN_FLAG;
    int r = injected_no_coop.load(std::memory_order_relaxed) ? -EINVAL : io_uring_queue_init_params(entries, ring, &p);
    const bool coop = r != -EINVAL;
    if (!coop) {
        p = io_uring_params{};
        p.flags = IORING_SETUP_CLAMP | IORING_SETUP_SUBMIT_ALL;
        r = io_uring_queue_init_params(entries, ring, &p);
    }
    if (taskrun_flag) *taskrun_flag = r >= 0 && coop;
    return r < 0 ? -r : 0;
}

// One log line per process for each fast-path feature the kernel lacks.
std::atomic<bool> logged_no_buffers{false};
std::atomic<bool> logged_no_recv{false};

void log_once(std::atomic<bool>& flag, const char* what, int err) {
    if (!flag.exchange(true, std::memory_order_relaxed))
        log().warn("io_uring: {} unavailable ({}): using one operation per read or accept", what, std::strerror(err));
}

}  // namespace

uring_driver::uring_driver(const io_config& cfg, blocking_pool& blocking)
    : io_driver(blocking),
      batch_(cfg.submit_batch),
      recv_buffers_(cfg.uring_recv_buffers),
      recv_buffer_size_(cfg.uring_recv_buffer_size) {
    if (int err = setup_ring(&ring_, cfg.uring_entries, &taskrun_flag_); err != 0)
        throw system_error(err, "io_uring_queue_init");
    wake_fd_ = ::eventfd(0, EFD_CLOEXEC);
    if (wake_fd_ < 0) {
        int err = errno;
        io_uring_queue_exit(&ring_);
        throw system_error(err, "eventfd");
    }
    if (recv_buffers_ != 0) {
        if (int err = buffers_.setup(&ring_, recv_buffers_, recv_buffer_size_, 0); err != 0)
            log_once(logged_no_buffers, "provided buffer rings (multishot receive and accept)", -err);
    }
    // Multishot accept came with 5.19, as did provided buffer rings; the opcode probe does not
    // tell multishot from single-shot, so the buffer ring's registration stands for both.
    multishot_accept_ = buffers_.enabled();
}

void uring_driver::no_multishot_recv() noexcept {
    recv_multishot_.store(false, std::memory_order_relaxed);
    log_once(logged_no_recv, "multishot receive", EINVAL);
}

uring_driver::~uring_driver() {
    stop();
    ::close(wake_fd_);
}

io_metrics uring_driver::metrics() const noexcept {
    io_metrics m = io_driver::metrics();
    m.multishot_arms = arms_.load(std::memory_order_relaxed);
    m.multishot_rearms = rearms_.load(std::memory_order_relaxed);
    m.buffer_exhaustions = exhaustions_.load(std::memory_order_relaxed);
    m.single_shot_reads = single_shot_reads_.load(std::memory_order_relaxed);
    m.ring_enters = enters_.load(std::memory_order_relaxed);
    return m;
}

bool uring_driver::submit(io_op& op) noexcept {
    if (multishot_op(op)) return submit_multishot(op);
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
    // A cancel that came after the canceller was installed may have been submitted already
    // (its ASYNC_CANCEL, under ring_lock_, found no SQE and was dropped): its request is
    // there to see now. A cancel submitted after this section finds the SQE before it.
    if (op.root && (op.root->cancel_.load(std::memory_order_acquire) & promise_base::requested_bit)) {
        ring_lock_.unlock();
        cancel_lock_.lock();
        if (op.cancel_queued) {
            cancels_.erase(&op);
            op.cancel_queued = false;
        }
        op.result = -ECANCELED;
        op.state.store(op_state::done, std::memory_order_relaxed);  // no cancel can queue it now
        cancel_lock_.unlock();
        if (op.fd) {
            op.fd->lock.lock();
            if (op.in_fd_queue) {
                op.fd->queue_for(op.code).erase(&op);
                op.in_fd_queue = false;
            }
            op.fd->lock.unlock();  // its reference: io_finish drops it
        }
        return false;
    }
    queue_sqe(op);
    ring_lock_.unlock();
    return true;
}

void uring_driver::queue_sqe(io_op& op) noexcept {
    prepare(get_sqe(), op);
    in_flight_.fetch_add(1, std::memory_order_relaxed);
    if (++unsubmitted_ >= batch_) enter(false);
}

void uring_driver::cancel(io_op& op) noexcept {
    if (multishot_op(op) && cancel_waiter(op)) return;
    queue_async_cancel(op);
}

void uring_driver::queue_async_cancel(io_op& op) noexcept {
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

void uring_driver::close_fd(fd_state& s) noexcept {
    io_op* done = nullptr;
    s.lock.lock();
    s.closed = true;
    for (auto* q : {&s.readers, &s.writers}) {
        for (io_op* op = q->head; op;) {
            io_op* next = op->next;
            if (op->ms_waiter) {  // no SQE of its own: ends here
                q->erase(op);
                op->in_fd_queue = false;
                op->next = done;
                done = op;
            } else {
                static_cast<uring_driver*>(op->owner)->queue_async_cancel(*op);
            }
            op = next;
        }
    }
    if (s.multishot) drop_multishot(s, true);
    auto* home = static_cast<uring_driver*>(s.registered);
    s.registered = nullptr;
    s.lock.unlock();
    if (home) {
        home->reg_lock_.lock();
        (s.reg_prev ? s.reg_prev->reg_next : home->homed_) = s.reg_next;
        if (s.reg_next) s.reg_next->reg_prev = s.reg_prev;
        s.reg_prev = s.reg_next = nullptr;
        home->reg_lock_.unlock();
        s.release();  // the home's reference (the caller holds one)
    }
    while (io_op* op = done) {
        done = op->next;
        op->next = nullptr;
        complete(*op, -ECANCELED);
    }
}

void uring_driver::stop() noexcept {
    if (stopped_) return;
    stopped_ = true;
    // Cancel everything and wait for the completions: after this, the kernel holds no
    // buffer of any task frame.
    ring_lock_.lock();
    io_uring_sqe* sqe = get_sqe();
    io_uring_prep_cancel64(sqe, 0, IORING_ASYNC_CANCEL_ANY);
    io_uring_sqe_set_data64(sqe, tag_cancel);
    ++unsubmitted_;
    enter(false);
    ring_lock_.unlock();
    reap();
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (in_flight_.load(std::memory_order_relaxed) != 0 && std::chrono::steady_clock::now() < deadline) {
        io_uring_cqe* cqe = nullptr;
        __kernel_timespec ts{0, 10'000'000};
        io_uring_wait_cqe_timeout(&ring_, &cqe, &ts);
        reap();
    }
    if (auto n = in_flight_.load(std::memory_order_relaxed); n != 0)
        log().error("io_uring: {} operations did not finish at shutdown", n);
    release_homed();
    buffers_.teardown(&ring_);
    io_uring_queue_exit(&ring_);
}

bool uring_driver::drive(std::chrono::nanoseconds timeout) noexcept {
    if (pending_cancels_.load(std::memory_order_relaxed)) submit_cancels();
    bool any = reap();
    ring_lock_.lock();
    // A kick that landed after the owner last looked for work completes the wake-up read
    // during an enter of the owner's (a cancel's, a spin's drive(0)); whoever reaped that
    // completion cannot tell whom it was for. A wait that follows must not sleep through
    // it: it returns at once and the worker looks again (a release test run hung in
    // shutdown with the kick's completion reaped by the drive's own first reap).
    if (any || woken_ || timeout.count() == 0) {
        if (timeout.count() != 0) woken_ = false;  // this drive answers the kick
        // Submit what is queued and, if nothing was ready, run the task work of completions
        // that wait for a kernel entry of their submitter (a worker spinning before it parks
        // enters none): one enter either way.
        const bool look = !any && in_flight_.load(std::memory_order_relaxed) != 0 && task_work_pending();
        if (unsubmitted_ != 0 || look) enter(look);
        ring_lock_.unlock();
        if (!any) any = reap();
        return any;
    }
    // The read of the wake-up eventfd is armed here, by the owner about to wait, never by a
    // helper's drive(0): the kernel completes a read that had to wait for data through the
    // task work of the thread that submitted it, and a helper that submitted it and then
    // exited (a worker ending at shutdown) left it uncompleted: the owner slept through
    // every kick (a TSan run hung in runtime shutdown with one worker in this wait).
    if (!wake_armed_) {
        io_uring_sqe* sqe = get_sqe();
        io_uring_prep_read(sqe, wake_fd_, &wake_buf_, sizeof wake_buf_, 0);
        io_uring_sqe_set_data64(sqe, tag_wake);
        ++unsubmitted_;
        wake_armed_ = true;
    }
    ring_lock_.unlock();
    // Only the owner waits (park() holds the poll lock): no one else touches the ring's
    // submission side meanwhile. One enter submits what is queued and waits.
    io_uring_cqe* cqe = nullptr;
    __kernel_timespec ts{};
    if (timeout.count() > 0) {
        ts.tv_sec = timeout.count() / 1'000'000'000;
        ts.tv_nsec = timeout.count() % 1'000'000'000;
    }
    enters_.fetch_add(1, std::memory_order_relaxed);
    int r = io_uring_submit_and_wait_timeout(&ring_, &cqe, 1, timeout.count() > 0 ? &ts : nullptr, nullptr);
    if (r < 0 && r != -ETIME && r != -EINTR && r != -EBUSY && r != -EAGAIN)
        log().error("io_uring_submit_and_wait: {}", std::strerror(-r));
    ring_lock_.lock();
    unsubmitted_ = io_uring_sq_ready(&ring_);
    ring_lock_.unlock();
    any = reap();
    // The wait is over: the worker looks for work next, which answers every kick so far.
    ring_lock_.lock();
    woken_ = false;
    ring_lock_.unlock();
    return any;
}

void uring_driver::kick() noexcept {
    std::uint64_t one = 1;
    [[maybe_unused]] auto r = ::write(wake_fd_, &one, sizeof one);
}

io_uring_sqe* uring_driver::get_sqe() noexcept {
    io_uring_sqe* sqe;
    while (!(sqe = io_uring_get_sqe(&ring_))) enter(false);
    return sqe;
}

void uring_driver::enter(bool events) noexcept {
    enters_.fetch_add(1, std::memory_order_relaxed);
    int r = events ? io_uring_submit_and_get_events(&ring_) : io_uring_submit(&ring_);
    if (r < 0 && r != -EBUSY && r != -EAGAIN && r != -EINTR) log().error("io_uring_submit: {}", std::strerror(-r));
    // What the kernel did not take (a transient EBUSY/EAGAIN) stays queued for the next enter.
    unsubmitted_ = io_uring_sq_ready(&ring_);
}

void uring_driver::prepare(io_uring_sqe* sqe, io_op& op) noexcept {
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
            io_uring_prep_openat(sqe, AT_FDCWD, static_cast<const char*>(op.buf), static_cast<int>(op.len) | O_CLOEXEC,
                                 static_cast<mode_t>(op.offset));
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

void uring_driver::submit_cancels() noexcept {
    ring_lock_.lock();
    cancel_lock_.lock();
    pending_cancels_.store(false, std::memory_order_relaxed);
    while (blocking_job* j = cancels_.pop_front()) {
        auto* op = static_cast<io_op*>(j);
        op->cancel_queued = false;
        io_uring_sqe* sqe = get_sqe();
        io_uring_prep_cancel(sqe, op, 0);
        io_uring_sqe_set_data64(sqe, tag_cancel);
        ++unsubmitted_;
    }
    for (std::uint64_t tag : tag_cancels_) {
        io_uring_sqe* sqe = get_sqe();
        io_uring_prep_cancel64(sqe, tag, 0);
        io_uring_sqe_set_data64(sqe, tag_cancel);
        ++unsubmitted_;
    }
    tag_cancels_.clear();
    cancel_lock_.unlock();
    enter(false);
    ring_lock_.unlock();
}

bool uring_driver::reap() noexcept {
    bool any = false;
    constexpr unsigned batch = 64;
    completion got[batch];
    for (;;) {
        unsigned n = 0;
        unsigned head;
        io_uring_cqe* cqe;
        ring_lock_.lock();
        io_uring_for_each_cqe(&ring_, head, cqe) {
            if (n == batch) break;
            got[n++] = {cqe->user_data, cqe->res, cqe->flags};
            if (cqe->user_data == tag_wake) {
                wake_armed_ = false;
                woken_ = true;
            }
        }
        io_uring_cq_advance(&ring_, n);
        ring_lock_.unlock();
        for (unsigned i = 0; i < n; ++i) any |= handle(got[i]);
        if (n < batch) return any;
    }
}

bool uring_driver::handle(const completion& c) noexcept {
    switch (c.tag & tag_mask) {
        case tag_wake:
        case tag_cancel:
            return false;
        case tag_recv:
            return on_multishot(*reinterpret_cast<fd_state*>(c.tag & ~tag_mask), c, false);
        case tag_accept:
            return on_multishot(*reinterpret_cast<fd_state*>(c.tag & ~tag_mask), c, true);
        default:
            break;
    }
    auto* op = reinterpret_cast<io_op*>(c.tag);
    in_flight_.fetch_sub(1, std::memory_order_relaxed);
    cancel_lock_.lock();
    if (op->cancel_queued) {
        cancels_.erase(op);
        op->cancel_queued = false;
    }
    op->result = c.res;
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
    return true;
}

void reset_uring_feature_logs() noexcept {
    logged_no_buffers.store(false, std::memory_order_relaxed);
    logged_no_recv.store(false, std::memory_order_relaxed);
}

void inject_uring_setup_failure(int err) noexcept { injected_setup_failure.store(err, std::memory_order_relaxed); }

void inject_uring_no_coop_taskrun(bool on) noexcept { injected_no_coop.store(on, std::memory_order_relaxed); }

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
