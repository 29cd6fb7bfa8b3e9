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

void io_driver::complete(io_op& op, std::int64_t result) noexcept {
    op.result = result;
    op.state.store(op_state::done, std::memory_order_release);
    schedule(op.root->core(), op.handle, schedule_hint::wake);
}

}  // namespace weft::detail
