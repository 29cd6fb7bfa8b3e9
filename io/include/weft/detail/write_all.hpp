// weft/detail/write_all.hpp — write_all_awaiter: what write_all returns (async_fd,
// net::stream_socket). Users do not include this directly.
//
// A write_all used to be a coroutine looping over write_some: a frame allocated, started
// and freed for every call, although a small reply nearly always goes out in one system
// call. The awaiter tries that first write itself, from await_ready (epoll: the send/write
// right away, as every op does); when it took the whole buffer the write_all is done
// without a frame and without suspending. Otherwise — a short write, EAGAIN, io_uring
// (which finishes no write in await_ready) — the owner's coroutine writes the rest, as
// before:
//
//   co_await conn.write_all(std::span(buf, n));  // one send, no coroutine frame
//
// Cancellation: as the loop's: the first write does not suspend, so it is no cancellation
// point; the coroutine's waits are. An exception (the first write's system_error, or the
// coroutine's) comes out of co_await.
//
// Thread safety: an awaiter belongs to the task that awaits it, once.
#pragma once

#include <coroutine>
#include <cstddef>
#include <optional>
#include <span>

#include <weft/detail/io_op.hpp>
#include <weft/task.hpp>

namespace weft::detail {

// io/src/io_op.cpp: io_try, unless the worker's driver never finishes the op at once
// (io_uring), which then stays untouched (io_metrics counts it once, in the coroutine).
bool io_try_first(io_op& op) noexcept;

template <class Owner>
class [[nodiscard]] write_all_awaiter {
public:
    // The coroutine that writes what the first write left (re-reading the owner's
    // descriptor for every write, as the loop always did: a close meanwhile is EBADF).
    using rest_fn = task<void> (Owner::*)(std::span<const std::byte>);

    write_all_awaiter(Owner& owner, rest_fn rest, io_opcode code, fd_state* fd, std::span<const std::byte> buf) noexcept
        : owner_(owner),
          rest_fn_(rest),
          buf_(buf),
          op_(code, fd, const_cast<std::byte*>(buf.data()), clamp(buf.size()), 0, nullptr, 0) {}
    write_all_awaiter(const write_all_awaiter&) = delete;
    write_all_awaiter& operator=(const write_all_awaiter&) = delete;

    bool await_ready() {
        if (buf_.empty()) return true;
        std::size_t done = 0;
        if (io_try_first(op_)) {
            if (op_.result < 0) return true;  // await_resume throws
            done = static_cast<std::size_t>(op_.result);
            if (done == buf_.size()) return true;
        }
        rest_.emplace((owner_.*rest_fn_)(buf_.subspan(done)).operator co_await());
        return false;
    }
    template <class P>
    std::coroutine_handle<> await_suspend(std::coroutine_handle<P> h) noexcept {
        return rest_->await_suspend(h);
    }
    void await_resume() {
        if (rest_)
            rest_->await_resume();
        else if (op_.result < 0)
            (void)io_finish(op_);  // throws: system_error naming the call, or not on a worker
    }

private:
    static std::uint32_t clamp(std::size_t n) noexcept {
        return n > (1u << 30) ? (1u << 30) : static_cast<std::uint32_t>(n);
    }

    Owner& owner_;
    rest_fn rest_fn_;
    std::span<const std::byte> buf_;
    io_op op_;  // never suspends: finished by io_try_first, or not started
    std::optional<typename task<void>::awaiter> rest_;
};

}  // namespace weft::detail
