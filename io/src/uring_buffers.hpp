// uring_buffers.hpp — a ring of provided buffers (IORING_REGISTER_PBUF_RING) for one
// io_uring ring: the kernel picks a free buffer for each multishot receive completion, the
// data waits there until a read copies it out, and the buffer goes back to the ring.
//
//   provided_buffers b;
//   if (int err = b.setup(&ring, 256, 4096, 0); err != 0) { /* kernel without it */ }
//   std::byte* data = b.data(bid);   // a completion's buffer (IORING_CQE_F_BUFFER)
//   b.recycle(bid);                  // any thread, once the data was copied out
//
// Cancellation: none (no waiting here). Thread safety: recycle() and free_count() from any
// thread (a spin lock orders the ring's tail); setup/teardown by the ring's owner, with no
// receive in flight for teardown.
#pragma once

#include <liburing.h>

#include <atomic>
#include <cstddef>
#include <cstdint>

#include <weft/detail/spin_lock.hpp>

namespace weft::detail {

class provided_buffers {
public:
    provided_buffers() = default;
    provided_buffers(const provided_buffers&) = delete;
    provided_buffers& operator=(const provided_buffers&) = delete;
    ~provided_buffers();

    // `count` buffers (a power of two, 1..32768) of `size` bytes as buffer group `group` of
    // `ring`. 0, or -errno (EINVAL on kernels before 5.19: no provided buffer rings).
    int setup(io_uring* ring, std::uint32_t count, std::uint32_t size, std::uint16_t group) noexcept;
    // Unregisters and frees (the ring's receives must be over).
    void teardown(io_uring* ring) noexcept;

    bool enabled() const noexcept { return ring_ != nullptr; }
    std::uint16_t group() const noexcept { return group_; }
    std::uint32_t buffer_size() const noexcept { return size_; }
    std::byte* data(std::uint16_t bid) const noexcept { return base_ + static_cast<std::size_t>(bid) * size_; }
    // A completion took buffer `bid` out of the ring.
    void taken() noexcept { free_.fetch_sub(1, std::memory_order_relaxed); }
    // Gives buffer `bid` back to the kernel.
    void recycle(std::uint16_t bid) noexcept;
    // Buffers the kernel may fill now (approximate while completions are in flight).
    std::uint32_t free_count() const noexcept { return free_.load(std::memory_order_relaxed); }

private:
    io_uring_buf_ring* ring_ = nullptr;
    std::byte* base_ = nullptr;
    std::size_t ring_bytes_ = 0;
    std::size_t data_bytes_ = 0;
    std::uint32_t count_ = 0;
    std::uint32_t size_ = 0;
    std::uint16_t group_ = 0;
    spin_lock lock_;  // the ring's tail
    std::atomic<std::uint32_t> free_{0};
};

// Tests: make the next provided-buffer-ring registrations fail with `err` (0: stop).
void inject_buffer_ring_failure(int err) noexcept;

}  // namespace weft::detail
