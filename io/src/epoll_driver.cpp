// epoll_driver.cpp — the epoll driver: readiness, edge-triggered.
//
// A descriptor joins the epoll set of the worker whose task first had to wait on it (once,
// for both directions, EPOLLET). An op tries its syscall first (try_now, from the awaiter's
// await_ready: most reads and writes finish there without suspending); only on EAGAIN is it
// queued on its descriptor. An event bumps the descriptor's readiness counter and runs
// the queued ops in order until one would block again; the finished ones resume on the
// thread that took the event (the owner, or a helper polling for a stuck owner).
//
// Freeing: a descriptor closed while another thread may hold one of its events (taken by
// epoll_wait before EPOLL_CTL_DEL) must not be freed under it. Every epoll_wait on a set
// runs under the driver's poll lock, so the registration's reference is dropped by the
// next drive() of that driver, which starts after any earlier one has finished.
//
// An op in a descriptor's queue holds no reference on it: the async_fd's reference lasts
// until close() has emptied the queues (async_fd.cpp, detach), and nothing is queued once
// `closed` is set. An op leaves the queue with its task's canceller taken out under the
// lock (let_go_of_task), so nothing reaches the descriptor through it afterwards; only
// when a cancel() or the task dump is using the canceller at that moment does the op take
// a reference. A wait thus costs no atomic on the descriptor's count, and the task no
// canceller removal when it resumes.
//
// Locks: each descriptor's lock (fd_state.hpp) guards its queues; reg_lock_ guards the
// lists of registered and retired descriptors; retry_lock_ the descriptors with an op that
// ran out of budget. None is held while another is taken, except a descriptor's lock
// around add() (which takes reg_lock_).
#include <sys/epoll.h>
#include <sys/eventfd.h>

#include <cstring>
#include <vector>

#include <weft/detail/scheduler_api.hpp>
#include <weft/error.hpp>

#include "blocking_pool.hpp"
#include "io_driver.hpp"
#include "perform.hpp"
#include "syscalls.hpp"

namespace weft::detail {
namespace {

class epoll_driver final : public io_driver {
public:
    epoll_driver(const io_config& cfg, blocking_pool& blocking) : io_driver(blocking), events_(cfg.events_per_wait) {
        epfd_ = ::epoll_create1(EPOLL_CLOEXEC);
        if (epfd_ < 0) throw system_error(errno, "epoll_create1");
        wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        if (wake_fd_ < 0) {
            int err = errno;
            ::close(epfd_);
            throw system_error(err, "eventfd");
        }
        epoll_event ev{};
        ev.events = EPOLLIN | EPOLLET;
        ev.data.ptr = nullptr;  // the wake-up descriptor
        if (::epoll_ctl(epfd_, EPOLL_CTL_ADD, wake_fd_, &ev) < 0) {
            int err = errno;
            ::close(wake_fd_);
            ::close(epfd_);
            throw system_error(err, "epoll_ctl(wake eventfd)");
        }
    }

    ~epoll_driver() override {
        stop();
        ::close(wake_fd_);
        ::close(epfd_);
    }

    io_driver_kind kind() const noexcept override { return io_driver_kind::epoll; }

    bool try_now(io_op& op) noexcept override {
        if (is_file_op(op.code)) return false;  // the blocking pool (submit)
        // Out of budget: let other tasks run first (submit() queues the op and the driver
        // tries it on its next poll).
        if (!consume_budget()) {
            op.untried = true;
            return false;
        }
        fd_state& s = *op.fd;
        op.seq_seen = s.seq_for(op.code).load(std::memory_order_acquire);
        if (s.known_drained(op.code, op.seq_seen)) return false;  // wait for the next event
        std::int64_t res = perform(op);
        s.note_result(op, res, op.seq_seen);
        if (would_block(res)) return false;
        op.result = res;
        return true;
    }

    bool submit(io_op& op) noexcept override {
        if (is_file_op(op.code)) return submit_blocking(op);
        fd_state& s = *op.fd;
        s.lock.lock();
        if (s.closed) {
            let_go_of_task(op, s);
            s.lock.unlock();
            return finish_now(op, -EBADF);
        }
        auto& queue = s.queue_for(op.code);
        bool retry_later = false;
        if (queue.empty()) {
            if (op.untried) {
                retry_later = true;  // out of budget: the driver tries it on its next poll
            } else {
                // An event since our failed try may have been the one we wait for: try again.
                while (s.seq_for(op.code).load(std::memory_order_relaxed) != op.seq_seen) {
                    op.seq_seen = s.seq_for(op.code).load(std::memory_order_relaxed);
                    std::int64_t res = perform(op);
                    s.note_result(op, res, op.seq_seen);
                    if (!would_block(res)) {
                        let_go_of_task(op, s);
                        s.lock.unlock();
                        return finish_now(op, res);
                    }
                }
            }
        }
        // A cancel() that came after the canceller was installed but took s.lock before us
        // found nothing queued: its request is there to see (it was made before that lock).
        if (op.root->cancel_.load(std::memory_order_acquire) & promise_base::requested_bit) {
            let_go_of_task(op, s);
            s.lock.unlock();
            return finish_now(op, -ECANCELED);
        }
        if (!s.registered) {
            if (int err = add(s); err != 0) {
                let_go_of_task(op, s);
                s.lock.unlock();
                return finish_now(op, err);
            }
        }
        queue.push_back(&op);
        op.in_fd_queue = true;
        s.lock.unlock();
        if (retry_later) {
            s.add_ref();
            retry_lock_.lock();
            retry_.push_back(&s);
            retry_lock_.unlock();
            pending_retries_.fetch_add(1, std::memory_order_relaxed);
        }
        return true;
    }

    void cancel(io_op& op) noexcept override {
        if (is_file_op(op.code)) {
            if (blocking_.take_back(&op)) complete(op, -ECANCELED);
            return;
        }
        fd_state& s = *op.fd;
        s.lock.lock();
        bool queued = op.in_fd_queue;
        if (queued) {
            s.queue_for(op.code).erase(&op);
            op.in_fd_queue = false;
        }
        s.lock.unlock();
        // Called through the canceller, which the request took out of the task: nothing
        // reaches s through op after the unlock, and the task's remove_canceller waits
        // until we return.
        if (queued) complete(op, -ECANCELED);
    }

    void close_fd(fd_state& s) noexcept override {
        io_op* done = nullptr;
        s.lock.lock();
        s.closed = true;
        for (auto* q : {&s.readers, &s.writers})
            while (io_op* op = q->pop_front()) {
                op->in_fd_queue = false;
                let_go_of_task(*op, s);
                op->next = done;
                done = op;
            }
        io_driver* reg = s.registered;
        s.registered = nullptr;
        s.lock.unlock();
        if (reg) static_cast<epoll_driver*>(reg)->remove(s);
        complete_all(done, -ECANCELED);
    }

    bool has_io() const noexcept override {
        return registered_count_.load(std::memory_order_relaxed) != 0 ||
               pending_retries_.load(std::memory_order_relaxed) != 0;
    }

    void stop() noexcept override {
        reg_lock_.lock();
        fd_state* list = std::exchange(registrations_, nullptr);
        reg_lock_.unlock();
        while (fd_state* s = list) {
            list = s->reg_next;
            s->lock.lock();
            if (s->registered == this) s->registered = nullptr;
            s->lock.unlock();
            ::epoll_ctl(epfd_, EPOLL_CTL_DEL, s->fd, nullptr);
            s->release();
        }
        registered_count_.store(0, std::memory_order_relaxed);
        retry_lock_.lock();
        auto retries = std::move(retry_);
        retry_.clear();
        retry_lock_.unlock();
        for (fd_state* s : retries) s->release();
        pending_retries_.store(0, std::memory_order_relaxed);
        free_retired();
    }

protected:
    bool drive(std::chrono::nanoseconds timeout) noexcept override {
        free_retired();
        bool any = run_retries();
        if (any) timeout = std::chrono::nanoseconds(0);
        timespec ts{};
        timespec* tsp = nullptr;
        if (timeout.count() >= 0) {
            ts.tv_sec = static_cast<time_t>(timeout.count() / 1'000'000'000);
            ts.tv_nsec = static_cast<long>(timeout.count() % 1'000'000'000);
            tsp = &ts;
        }
        int n = ::epoll_pwait2(epfd_, events_.data(), static_cast<int>(events_.size()), tsp, nullptr);
        for (int i = 0; i < n; ++i) {
            auto* s = static_cast<fd_state*>(events_[static_cast<std::size_t>(i)].data.ptr);
            if (!s) {
                std::uint64_t v;
                [[maybe_unused]] auto r = ::read(wake_fd_, &v, sizeof v);
                continue;
            }
            any |= on_event(*s, events_[static_cast<std::size_t>(i)].events, false);
        }
        return any;
    }

    void kick() noexcept override {
        std::uint64_t one = 1;
        [[maybe_unused]] auto r = ::write(wake_fd_, &one, sizeof one);
    }

private:
    bool finish_now(io_op& op, std::int64_t res) noexcept {
        op.result = res;
        op.state.store(op_state::done, std::memory_order_relaxed);
        return false;
    }

    static void run_blocking(blocking_job* job) noexcept {
        auto& op = static_cast<io_op&>(*job);
        complete(op, perform(op));
    }

    bool submit_blocking(io_op& op) noexcept {
        op.run = &run_blocking;
        try {
            if (blocking_.submit(&op)) return true;
            return finish_now(op, -ECANCELED);  // shutting down
        } catch (...) {
            return finish_now(op, -EAGAIN);  // no thread could be started
        }
    }

    // Registers s (its lock held). 0 or -errno.
    int add(fd_state& s) noexcept {
        epoll_event ev{};
        ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
        ev.data.ptr = &s;
        if (::epoll_ctl(epfd_, EPOLL_CTL_ADD, s.fd, &ev) < 0) return -errno;
        s.registered = this;
        s.home.store(this, std::memory_order_relaxed);
        s.add_ref();  // the epoll set's reference
        reg_lock_.lock();
        s.reg_prev = nullptr;
        s.reg_next = registrations_;
        if (registrations_) registrations_->reg_prev = &s;
        registrations_ = &s;
        reg_lock_.unlock();
        registered_count_.fetch_add(1, std::memory_order_relaxed);
        return 0;
    }

    // Takes s out of the set; its reference goes once no event of it can be in hand.
    void remove(fd_state& s) noexcept {
        ::epoll_ctl(epfd_, EPOLL_CTL_DEL, s.fd, nullptr);
        reg_lock_.lock();
        (s.reg_prev ? s.reg_prev->reg_next : registrations_) = s.reg_next;
        if (s.reg_next) s.reg_next->reg_prev = s.reg_prev;
        s.reg_prev = s.reg_next = nullptr;
        s.reg_next = retired_;
        retired_ = &s;
        reg_lock_.unlock();
        registered_count_.fetch_sub(1, std::memory_order_relaxed);
    }

    void free_retired() noexcept {
        reg_lock_.lock();
        fd_state* list = std::exchange(retired_, nullptr);
        reg_lock_.unlock();
        while (fd_state* s = list) {
            list = s->reg_next;
            s->release();
        }
    }

    bool run_retries() noexcept {
        if (pending_retries_.load(std::memory_order_relaxed) == 0) return false;
        retry_lock_.lock();
        std::vector<fd_state*> batch;
        batch.swap(retry_);
        retry_lock_.unlock();
        pending_retries_.fetch_sub(static_cast<std::uint32_t>(batch.size()), std::memory_order_relaxed);
        bool any = false;
        for (fd_state* s : batch) {
            any |= on_event(*s, EPOLLIN | EPOLLOUT, true);
            s->release();
        }
        return any;
    }

    // A readiness counter only changes under its descriptor's lock: a plain increment (no
    // locked read-modify-write), published with release for the lock-free try-first reads.
    static void bump_seq(std::atomic<std::uint32_t>& seq) noexcept {
        seq.store(seq.load(std::memory_order_relaxed) + 1, std::memory_order_release);
    }

    // Runs the queued ops of the ready directions. `forced`: not an event, a deferred try.
    static bool on_event(fd_state& s, std::uint32_t events, bool forced) noexcept {
        io_op* done = nullptr;
        s.lock.lock();
        if (events & (EPOLLERR | EPOLLHUP | EPOLLRDHUP)) s.hung_up.store(true, std::memory_order_relaxed);
        if (events & (EPOLLIN | EPOLLERR | EPOLLHUP | EPOLLRDHUP)) {
            if (!forced) bump_seq(s.read_seq);
            run_queue(s, s.readers, s.read_seq.load(std::memory_order_relaxed), forced ? 0 : events, done);
        }
        if (events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) {
            if (!forced) bump_seq(s.write_seq);
            run_queue(s, s.writers, s.write_seq.load(std::memory_order_relaxed), forced ? 0 : events, done);
        }
        s.lock.unlock();
        bool any = done != nullptr;
        complete_all(done, 0);
        return any;
    }

    // `events`: the epoll event being handled (0 for a deferred try); it answers a readiness
    // wait without a poll() call.
    static void run_queue(fd_state& s, intrusive_list<io_op>& q, std::uint32_t seq, std::uint32_t events,
                          io_op*& done) noexcept {
        while (io_op* op = q.head) {
            op->untried = false;
            const bool wait_op = op->code == io_opcode::wait_readable || op->code == io_opcode::wait_writable;
            std::int64_t res = wait_op && events != 0 ? static_cast<std::int64_t>(events) : perform(*op);
            s.note_result(*op, res, seq);
            if (would_block(res)) return;
            q.erase(op);
            op->in_fd_queue = false;
            let_go_of_task(*op, s);
            op->result = res;
            op->next = done;
            done = op;
        }
    }

    // Resumes a chain of finished ops (linked through next); `forced_result` if nonzero.
    static void complete_all(io_op* done, std::int64_t forced_result) noexcept {
        while (io_op* op = done) {
            done = op->next;
            op->next = nullptr;
            complete(*op, forced_result != 0 ? forced_result : op->result);
        }
    }

    int epfd_ = -1;
    int wake_fd_ = -1;
    std::vector<epoll_event> events_;
    spin_lock reg_lock_;
    fd_state* registrations_ = nullptr;  // registered here (reg_prev/reg_next)
    fd_state* retired_ = nullptr;        // removed, reference not yet dropped (reg_next)
    std::atomic<std::uint32_t> registered_count_{0};
    spin_lock retry_lock_;
    std::vector<fd_state*> retry_;  // descriptors with an op out of budget (a reference each)
    std::atomic<std::uint32_t> pending_retries_{0};
};

}  // namespace

std::unique_ptr<io_driver> make_epoll_driver(const io_config& cfg, blocking_pool& blocking) {
    return std::make_unique<epoll_driver>(cfg, blocking);
}

}  // namespace weft::detail
