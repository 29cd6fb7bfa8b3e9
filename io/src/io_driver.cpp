// io_driver.cpp — the drivers' shared part of parking and polling (see io_driver.hpp).
#include "io_driver.hpp"

#include <weft/detail/scheduler_api.hpp>

namespace weft::detail {

io_driver::io_driver(blocking_pool& blocking) noexcept : blocking_(blocking) { note_polled(); }

void io_driver::wait(std::chrono::nanoseconds timeout) {
    poll_lock_.lock();
    if (!notified()) {
        parked_.store(true, std::memory_order_relaxed);
        drive(timeout);
        parked_.store(false, std::memory_order_relaxed);
    }
    note_polled();
    poll_lock_.unlock();
}

bool io_driver::poll_now() noexcept {
    note_polled();
    if (!has_io() || !poll_lock_.try_lock()) return false;  // a helper is polling it right now
    bool any = drive(std::chrono::nanoseconds(0));
    poll_lock_.unlock();
    return any;
}

void io_driver::let_go_of_task(io_op& op, fd_state& s) noexcept {
    if (!op.installed) return;
    // remove_canceller's protocol (promise_base.hpp), without its wait for `busy`: waiting
    // here, under s.lock, could deadlock with a cancel() that needs the lock.
    using pb = promise_base;
    auto& word = op.root->cancel_;
    const std::uintptr_t mine = pb::encode(static_cast<canceller*>(&op));
    std::uintptr_t v = word.load(std::memory_order_acquire);
    while (!(v & pb::busy_bit)) {
        // Not ours any more and not busy: a cancel() took it and has finished with it.
        if ((v & ~pb::flag_bits) != mine ||
            word.compare_exchange_weak(v, v & pb::requested_bit, std::memory_order_acq_rel)) {
            op.installed = false;
            return;
        }
    }
    s.add_ref();
    op.holds_ref = true;
}

io_metrics io_driver::metrics() const noexcept {
    io_metrics m;
    m.fd_ops = fd_ops_.load(std::memory_order_relaxed);
    m.fd_ops_remote = fd_ops_remote_.load(std::memory_order_relaxed);
    return m;
}

void io_driver::complete(io_op& op, std::int64_t result) noexcept {
    op.result = result;
    op.state.store(op_state::done, std::memory_order_release);
    schedule(op.root->core(), op.handle, schedule_hint::wake);
}

}  // namespace weft::detail
