// uring_multishot.cpp — the io_uring driver's fast path for TCP streams and listeners: one
// multishot receive (provided buffers) or multishot accept armed per descriptor, on the ring
// of its home worker, and the ops that wait for what it delivers (see uring_driver.hpp).
//
// A read on a TCP stream (read, readv, recv, recvfrom) first looks at what the multishot
// delivered (try_now: no SQE, no suspension when bytes are there); if nothing is there it
// waits in the descriptor's queue, arming the multishot on its first wait. Each completion
// queues a buffer of bytes (or the end of the stream, or an error) and serves the waiting
// ops in order; a buffer goes back to the ring once read. readable() is served the same way
// once a read armed the multishot (before that it is a plain poll: code that reads the
// socket itself, such as OpenSSL's socket BIO, must keep its bytes).
//
// When the kernel ends a multishot (ENOBUFS: every provided buffer is waiting to be read;
// or an error), it is armed again as soon as an op waits for it; when no buffer is free
// the waiting reads go to the ring with their own buffers instead (one SQE each), so a
// connection never waits for buffers other connections hold. A listener's accepted
// descriptors wait in its queue the same way; more than max_queued_accepts unclaimed ones
// end the multishot accept until the next accept. Closing the descriptor ends the waiting
// ops (ECANCELED), returns its buffers, closes unclaimed accepted descriptors and cancels
// the multishots.
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <new>

#include <weft/detail/scheduler_api.hpp>

#include "uring_driver.hpp"

namespace weft::detail {
namespace {

constexpr std::size_t max_queued_accepts = 64;

// Tests: arm multishot receives with an ioprio bit the kernel rejects (EINVAL), as a kernel
// with provided buffer rings but without IORING_RECV_MULTISHOT (5.19) does.
std::atomic<bool> injected_recv_einval{false};

bool is_accept(const io_op& op) noexcept { return op.code == io_opcode::accept; }

std::uint64_t tag_of(fd_state& s, std::uint64_t kind) noexcept { return reinterpret_cast<std::uint64_t>(&s) | kind; }

void take(fd_state& s, io_op& op, io_op*& done) noexcept {
    s.readers.erase(&op);
    op.in_fd_queue = false;
    op.next = done;
    done = &op;
}

}  // namespace

void inject_multishot_recv_einval(bool on) noexcept { injected_recv_einval.store(on, std::memory_order_relaxed); }

bool uring_driver::multishot_op(const io_op& op) const noexcept {
    if (!op.fd || !buffers_.enabled()) return false;
    switch (op.code) {
        case io_opcode::read:
        case io_opcode::readv:
        case io_opcode::recv:
        case io_opcode::recvfrom:
        case io_opcode::wait_readable:
            return op.fd->multishot_rx;
        case io_opcode::accept:
            return multishot_accept_ && op.buf == nullptr;
        default:
            return false;
    }
}

bool uring_driver::try_now(io_op& op) noexcept {
    if (!multishot_op(op)) return false;  // every other op goes through the ring
    fd_state& s = *op.fd;
    s.lock.lock();
    const bool done = s.multishot && serve(s, op);
    s.lock.unlock();
    return done;
}

bool uring_driver::serve(fd_state& s, io_op& op) noexcept {
    multishot_state& m = *s.multishot;
    if (is_accept(op)) {
        if (!m.has_accepted()) return false;
        op.result = m.accepted[m.first_accepted++];
        if (!m.has_accepted()) {
            m.accepted.clear();
            m.first_accepted = 0;
        }
        return true;
    }
    if (!m.has_data()) {
        if (m.end == 1) return false;
        if (op.code == io_opcode::wait_readable)
            op.result = m.end == 0 ? (POLLIN | POLLRDHUP) : (POLLIN | POLLERR);
        else
            op.result = m.end;
        return true;
    }
    if (op.code == io_opcode::wait_readable) {
        op.result = POLLIN;
        return true;
    }
    iovec one{};
    const iovec* iov = &one;
    std::size_t n_iov = 1;
    switch (op.code) {
        case io_opcode::readv:
            iov = static_cast<const iovec*>(op.buf);
            n_iov = op.len;
            break;
        case io_opcode::recvfrom: {
            auto* msg = static_cast<msghdr*>(op.buf);
            iov = msg->msg_iov;
            n_iov = msg->msg_iovlen;
            msg->msg_controllen = 0;  // a TCP stream carries no ancillary data
            msg->msg_namelen = 0;
            msg->msg_flags = 0;
            break;
        }
        default:
            one.iov_base = op.buf;
            one.iov_len = op.len;
    }
    const bool peek = op.code == io_opcode::recv && (op.aux_flags & MSG_PEEK) != 0;
    std::size_t copied = 0;
    std::size_t ci = m.first;
    std::uint32_t off = m.chunks[ci].off;
    for (std::size_t k = 0; k < n_iov && ci < m.chunks.size(); ++k) {
        auto* dst = static_cast<std::byte*>(iov[k].iov_base);
        std::size_t room = iov[k].iov_len;
        while (room != 0 && ci < m.chunks.size()) {
            const rx_chunk& c = m.chunks[ci];
            const std::size_t n = std::min<std::size_t>(room, c.len - off);
            std::memcpy(dst, m.buffers->data(c.bid) + off, n);
            dst += n;
            room -= n;
            copied += n;
            off += static_cast<std::uint32_t>(n);
            if (off == c.len) {
                if (!peek) m.buffers->recycle(c.bid);
                ++ci;
                off = ci < m.chunks.size() ? m.chunks[ci].off : 0;
            }
        }
    }
    if (!peek) {
        m.first = ci;
        if (m.has_data()) {
            m.chunks[ci].off = off;
        } else {
            m.chunks.clear();
            m.first = 0;
        }
    }
    op.result = static_cast<std::int64_t>(copied);
    return true;
}

void uring_driver::adopt(fd_state& s) noexcept {
    s.multishot->buffers = &buffers_;
    s.registered = this;
    s.home.store(this, std::memory_order_relaxed);
    s.add_ref();  // ours, dropped by close_fd or stop
    reg_lock_.lock();
    s.reg_prev = nullptr;
    s.reg_next = homed_;
    if (homed_) homed_->reg_prev = &s;
    homed_ = &s;
    reg_lock_.unlock();
}

void uring_driver::arm(fd_state& s, bool accept) noexcept {
    multishot_state& m = *s.multishot;
    bool& before = accept ? m.accept_armed_before : m.recv_armed_before;
    if (before) rearms_.fetch_add(1, std::memory_order_relaxed);
    before = true;
    ring_lock_.lock();
    io_uring_sqe* sqe = get_sqe();
    if (accept) {
        io_uring_prep_multishot_accept(sqe, s.fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        io_uring_sqe_set_data64(sqe, tag_of(s, tag_accept));
        m.accept_armed = true;
    } else {
        io_uring_prep_recv_multishot(sqe, s.fd, nullptr, 0, 0);
        if (injected_recv_einval.load(std::memory_order_relaxed)) sqe->ioprio |= 0x8000;
        sqe->flags |= IOSQE_BUFFER_SELECT;
        sqe->buf_group = buffers_.group();
        io_uring_sqe_set_data64(sqe, tag_of(s, tag_recv));
        m.recv_armed = true;
    }
    s.add_ref();  // the multishot's, dropped by its last completion
    arms_.fetch_add(1, std::memory_order_relaxed);
    in_flight_.fetch_add(1, std::memory_order_relaxed);
    if (++unsubmitted_ >= batch_) enter(false);
    ring_lock_.unlock();
}

bool uring_driver::submit_multishot(io_op& op) noexcept {
    fd_state& s = *op.fd;
    const bool accept = is_accept(op);
    s.lock.lock();
    if (s.closed || op.cancel_early) {
        s.lock.unlock();
        op.result = s.closed ? -EBADF : -ECANCELED;
        op.state.store(op_state::done, std::memory_order_relaxed);
        return false;
    }
    multishot_state* m = s.multishot;
    // readable() waits on the multishot only once a read armed it (see the top of the file).
    const bool plain_wait =
        op.code == io_opcode::wait_readable && !(m && (m->recv_armed || m->has_data() || m->end != 1));
    if (!plain_wait && !m && !s.registered) {
        m = new (std::nothrow) multishot_state;
        if (m) {
            s.multishot = m;
            adopt(s);
        }
    }
    if (m && serve(s, op)) {
        s.lock.unlock();
        op.state.store(op_state::done, std::memory_order_relaxed);
        return false;
    }
    bool armed = m && (accept ? m->accept_armed : m->recv_armed);
    if (!plain_wait && m && !armed && s.registered == this && !stopped_ &&
        (accept || (recv_multishot_.load(std::memory_order_relaxed) && buffers_.free_count() != 0))) {
        arm(s, accept);
        armed = true;
    }
    s.readers.push_back(&op);
    op.in_fd_queue = true;
    s.add_ref();
    op.holds_ref = true;
    const bool ms_waiter = armed && !plain_wait;
    op.ms_waiter = ms_waiter;
    s.lock.unlock();
    // Read nothing of op from here on when the multishot serves it: another worker may
    // complete it and resume (and end) the task that owns it as soon as the lock is free.
    if (ms_waiter) return true;
    // Not armed, and not ours to arm now (homed on another worker, or no buffer free): the
    // op goes to the ring with its own buffer.
    if (!accept && !plain_wait) single_shot_reads_.fetch_add(1, std::memory_order_relaxed);
    ring_lock_.lock();
    queue_sqe(op);
    ring_lock_.unlock();
    return true;
}

bool uring_driver::cancel_waiter(io_op& op) noexcept {
    fd_state& s = *op.fd;
    s.lock.lock();
    if (op.in_fd_queue && op.ms_waiter) {
        s.readers.erase(&op);
        op.in_fd_queue = false;
        s.lock.unlock();
        complete(op, -ECANCELED);
        return true;
    }
    if (!op.in_fd_queue && op.state.load(std::memory_order_relaxed) == op_state::pending) {
        op.cancel_early = true;  // submit() has not queued it yet: it ends there
        s.lock.unlock();
        return true;
    }
    s.lock.unlock();
    return false;  // its own SQE is in flight: cancel that
}

bool uring_driver::on_multishot(fd_state& s, const completion& c, bool accept) noexcept {
    io_op* done = nullptr;
    const bool more = (c.flags & IORING_CQE_F_MORE) != 0;
    s.lock.lock();
    multishot_state& m = *s.multishot;  // lives as long as s, which the multishot holds
    if (!more) {
        in_flight_.fetch_sub(1, std::memory_order_relaxed);
        (accept ? m.accept_armed : m.recv_armed) = false;
    }
    if (accept) {
        if (c.res >= 0) {
            if (s.closed || stopped_) {
                ::close(c.res);
            } else {
                m.accepted.push_back(c.res);
                if (more && m.accepted.size() - m.first_accepted >= max_queued_accepts) {
                    cancel_lock_.lock();
                    tag_cancels_.push_back(tag_of(s, tag_accept));
                    pending_cancels_.store(true, std::memory_order_relaxed);
                    cancel_lock_.unlock();
                }
            }
        } else if (c.res != -ECANCELED) {
            // The listener's error (EMFILE...) goes to the first accept waiting, if any.
            for (io_op* op = s.readers.head; op; op = op->next)
                if (op->ms_waiter && is_accept(*op)) {
                    op->result = c.res;
                    take(s, *op, done);
                    break;
                }
        }
    } else if ((c.flags & IORING_CQE_F_BUFFER) != 0) {
        const auto bid = static_cast<std::uint16_t>(c.flags >> IORING_CQE_BUFFER_SHIFT);
        buffers_.taken();
        if (s.closed || !m.buffers || c.res <= 0) {
            buffers_.recycle(bid);
        } else {
            m.chunks.push_back({bid, static_cast<std::uint32_t>(c.res), 0});
            m.received_any = true;
        }
    } else if (c.res == 0) {
        m.end = 0;
    } else if (c.res == -ENOBUFS) {
        exhaustions_.fetch_add(1, std::memory_order_relaxed);
    } else if (c.res == -EINVAL && m.chunks.empty() && !m.received_any) {
        // A kernel with provided buffer rings but without multishot receive (5.19): plain
        // reads from now on, and these waiters get their own SQEs below.
        no_multishot_recv();
    } else if (c.res < 0 && c.res != -ECANCELED) {
        m.end = c.res;
    }
    // Serve the ops waiting for this multishot, in order.
    bool waiting = false;
    for (io_op* op = s.readers.head; op;) {
        io_op* next = op->next;
        if (op->ms_waiter && is_accept(*op) == accept) {
            if (!serve(s, *op)) {
                waiting = true;
                break;
            }
            take(s, *op, done);
        }
        op = next;
    }
    const bool armed = accept ? m.accept_armed : m.recv_armed;
    if (waiting && !armed && !s.closed && !stopped_ && (accept || m.end == 1)) {
        if (accept || (recv_multishot_.load(std::memory_order_relaxed) && buffers_.free_count() != 0)) {
            arm(s, accept);
        } else {
            // Every buffer waits to be read: these reads take their own buffers.
            for (io_op* op = s.readers.head; op; op = op->next)
                if (op->ms_waiter && !is_accept(*op)) {
                    op->ms_waiter = false;
                    op->owner = this;  // its SQE is on this ring: cancel it here
                    single_shot_reads_.fetch_add(1, std::memory_order_relaxed);
                    ring_lock_.lock();
                    queue_sqe(*op);
                    ring_lock_.unlock();
                }
        }
    }
    s.lock.unlock();
    const bool any = done != nullptr;
    while (io_op* op = done) {
        done = op->next;
        op->next = nullptr;
        complete(*op, op->result);
    }
    if (!more) s.release();  // the multishot's reference
    return any;
}

void uring_driver::drop_multishot(fd_state& s, bool cancel) noexcept {
    multishot_state& m = *s.multishot;
    for (std::size_t i = m.first; i < m.chunks.size(); ++i)
        if (m.buffers) m.buffers->recycle(m.chunks[i].bid);
    m.chunks.clear();
    m.first = 0;
    for (std::size_t i = m.first_accepted; i < m.accepted.size(); ++i) ::close(m.accepted[i]);
    m.accepted.clear();
    m.first_accepted = 0;
    auto* home = static_cast<uring_driver*>(s.registered);
    if (!cancel || !home || !(m.recv_armed || m.accept_armed)) return;
    home->cancel_lock_.lock();
    if (m.recv_armed) home->tag_cancels_.push_back(tag_of(s, tag_recv));
    if (m.accept_armed) home->tag_cancels_.push_back(tag_of(s, tag_accept));
    home->pending_cancels_.store(true, std::memory_order_relaxed);
    home->cancel_lock_.unlock();
    home->unpark();  // its owner submits the cancels on its next drive
}

void uring_driver::release_homed() noexcept {
    reg_lock_.lock();
    fd_state* list = std::exchange(homed_, nullptr);
    reg_lock_.unlock();
    while (fd_state* s = list) {
        list = s->reg_next;
        s->reg_prev = s->reg_next = nullptr;
        s->lock.lock();
        if (s->multishot) {
            drop_multishot(*s, false);
            s->multishot->buffers = nullptr;
            s->multishot->recv_armed = s->multishot->accept_armed = false;
        }
        if (s->registered == this) s->registered = nullptr;
        s->lock.unlock();
        s->release();
    }
}

}  // namespace weft::detail
