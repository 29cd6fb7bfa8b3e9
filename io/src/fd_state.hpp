// fd_state.hpp — what the drivers know of one descriptor: its queues of waiting or
// in-flight operations, its readiness counters (epoll) and whether it was closed.
//
// Shared by the async_fd that owns the descriptor, the epoll set it is registered in (one
// reference, dropped when the driver retires it after EPOLL_CTL_DEL; see epoll_driver.cpp),
// io_uring ops in flight on it (one each), and an epoll op that left its queue while a
// cancel or the task dump was using its canceller (epoll_driver.cpp says why queued epoll
// ops need none).
//
// What `lock` guards: the queues (readers, writers), `registered` and `closed`; the
// readiness counters and hung_up only change under it (an event). It is held for a
// non-blocking syscall at most. The readiness words (read_seq/write_seq,
// read_idle_at/write_idle_at, hung_up) are atomics because the epoll driver's try-first
// path reads them — and records a drain in idle_at — without the lock, before it decides
// whether to make the syscall at all. That is safe: idle_at only lets an op skip a syscall
// while the counter is unchanged, and an op that must wait is queued under the lock after
// re-checking the counter, so a stale value costs at most one syscall, never a wake-up.
// reg_prev/reg_next are guarded by the registering driver's registration lock.
//
// io_uring: a TCP stream (or a listener) gets a multishot_state the first time a task on a
// worker with provided buffers waits to read (or accept) on it: one multishot receive (or
// accept) stays armed on that worker's ring — the descriptor's home — and what it delivers
// waits here, under `lock`, until an op takes it (uring_multishot.cpp).
#pragma once

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <climits>
#include <cstdint>
#include <vector>

#include <weft/detail/intrusive_list.hpp>
#include <weft/detail/io_op.hpp>
#include <weft/detail/spin_lock.hpp>

namespace weft::detail {

class io_driver;
class provided_buffers;

// io_uring: received bytes in a provided buffer, not yet read.
struct rx_chunk {
    std::uint16_t bid;  // buffer id in the home ring's provided buffers
    std::uint32_t len;  // bytes received
    std::uint32_t off;  // bytes already read
};

// io_uring: what the multishot receive or accept of a descriptor delivered (under the
// descriptor's lock). Accepted descriptors nobody took are closed with it.
struct multishot_state {
    multishot_state() = default;
    multishot_state(const multishot_state&) = delete;
    multishot_state& operator=(const multishot_state&) = delete;
    ~multishot_state() {
        for (std::size_t i = first_accepted; i < accepted.size(); ++i) ::close(accepted[i]);
    }

    provided_buffers* buffers = nullptr;  // the home ring's (nullptr once it stopped)
    std::vector<rx_chunk> chunks;         // oldest first, from chunks[first]
    std::size_t first = 0;
    std::vector<int> accepted;  // accepted descriptors, oldest first, from accepted[first_accepted]
    std::size_t first_accepted = 0;
    std::int64_t end = 1;  // receive: 1 open, 0 end of stream seen, < 0 the error (-errno)
    bool recv_armed = false;
    bool accept_armed = false;
    bool received_any = false;       // a receive completion brought bytes
    bool recv_armed_before = false;  // for io_metrics::multishot_rearms
    bool accept_armed_before = false;

    bool has_data() const noexcept { return first < chunks.size(); }
    bool has_accepted() const noexcept { return first_accepted < accepted.size(); }
};

struct fd_state {
    explicit fd_state(int f) noexcept : fd(f) {}
    fd_state(const fd_state&) = delete;
    fd_state& operator=(const fd_state&) = delete;
    ~fd_state() { delete multishot; }

    const int fd;
    std::atomic<std::uint32_t> refs{1};
    spin_lock lock;
    // epoll: ops waiting for readiness, in order; io_uring: ops in flight (all in `readers`
    // or `writers` by direction, so close() can cancel them).
    intrusive_list<io_op> readers;
    intrusive_list<io_op> writers;
    // epoll: readiness events seen per direction. An op whose syscall failed with EAGAIN
    // retries if an event arrived since it last looked, so a wake-up is never lost between
    // the failed try and the queueing.
    std::atomic<std::uint32_t> read_seq{0};
    std::atomic<std::uint32_t> write_seq{0};
    // epoll: the counter's value when the descriptor was last seen drained (a syscall
    // failed with EAGAIN, or a stream read/write came back short). While the counter still
    // has that value the next op skips its syscall and waits for the next event (edge
    // triggered: new data or room always brings one) — one syscall less per round trip.
    std::atomic<std::uint32_t> read_idle_at{UINT32_MAX};
    std::atomic<std::uint32_t> write_idle_at{UINT32_MAX};
    // epoll: a hang-up or error was reported. It is reported once (edge-triggered) and
    // lasts, so from then on every op makes its syscall (a read returns 0 at once).
    std::atomic<bool> hung_up{false};
    bool short_io_drains = false;  // a stream (pipe, TCP, Unix stream): set before any op
    bool multishot_rx = false;     // a TCP stream: io_uring may feed it from a multishot receive
    // epoll: whose epoll set holds it; io_uring: the home ring of its multishot_state.
    io_driver* registered = nullptr;
    fd_state* reg_prev = nullptr;  // links in that driver's list of registrations
    fd_state* reg_next = nullptr;
    bool closed = false;
    multishot_state* multishot = nullptr;  // io_uring, see above
    // The driver that registered it (a copy of `registered` readable without the lock): an
    // op started on another worker's driver counts as remote (io_metrics).
    std::atomic<io_driver*> home{nullptr};

    intrusive_list<io_op>& queue_for(io_opcode c) noexcept { return is_input(c) ? readers : writers; }
    std::atomic<std::uint32_t>& seq_for(io_opcode c) noexcept { return is_input(c) ? read_seq : write_seq; }
    std::atomic<std::uint32_t>& idle_at_for(io_opcode c) noexcept { return is_input(c) ? read_idle_at : write_idle_at; }

    // After an op's syscall returned res with the counter at seq: remember a drain.
    void note_result(const io_op& op, std::int64_t res, std::uint32_t seq) noexcept {
        bool drained = res == -EAGAIN || res == -EWOULDBLOCK;
        if (!drained && short_io_drains && res > 0 && static_cast<std::uint64_t>(res) < op.len)
            drained = op.code == io_opcode::read || op.code == io_opcode::write || op.code == io_opcode::recv ||
                      op.code == io_opcode::send;
        if (drained) idle_at_for(op.code).store(seq, std::memory_order_relaxed);
    }
    // No event since the descriptor was seen drained in op's direction.
    bool known_drained(io_opcode c, std::uint32_t seq) noexcept {
        return idle_at_for(c).load(std::memory_order_relaxed) == seq && !hung_up.load(std::memory_order_relaxed);
    }

    void add_ref() noexcept { refs.fetch_add(1, std::memory_order_relaxed); }
    void release() noexcept {
        if (refs.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
    }
};

}  // namespace weft::detail
