// uring_buffers.cpp — the provided buffer ring of an io_uring driver (see uring_buffers.hpp).
#include "uring_buffers.hpp"

#include <sys/mman.h>

#include <cerrno>

namespace weft::detail {
namespace {

std::atomic<int> injected_failure{0};

}  // namespace

void inject_buffer_ring_failure(int err) noexcept { injected_failure.store(err, std::memory_order_relaxed); }

provided_buffers::~provided_buffers() {
    // teardown() unregisters (it needs the ring); here only the memory is left to free.
    if (ring_) ::munmap(ring_, ring_bytes_);
    if (base_) ::munmap(base_, data_bytes_);
}

int provided_buffers::setup(io_uring* ring, std::uint32_t count, std::uint32_t size, std::uint16_t group) noexcept {
    if (count == 0 || count > 32768 || (count & (count - 1)) != 0 || size == 0) return -EINVAL;
    if (int err = injected_failure.load(std::memory_order_relaxed); err != 0) return -err;
    const std::size_t ring_bytes = sizeof(io_uring_buf) * count;
    const std::size_t data_bytes = static_cast<std::size_t>(count) * size;
    void* r = ::mmap(nullptr, ring_bytes, PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
    if (r == MAP_FAILED) return -errno;
    void* d = ::mmap(nullptr, data_bytes, PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
    if (d == MAP_FAILED) {
        int err = errno;
        ::munmap(r, ring_bytes);
        return -err;
    }
    auto* br = static_cast<io_uring_buf_ring*>(r);
    io_uring_buf_ring_init(br);
    io_uring_buf_reg reg{};
    reg.ring_addr = reinterpret_cast<std::uintptr_t>(br);
    reg.ring_entries = count;
    reg.bgid = group;
    if (int res = io_uring_register_buf_ring(ring, &reg, 0); res < 0) {
        ::munmap(r, ring_bytes);
        ::munmap(d, data_bytes);
        return res;
    }
    ring_ = br;
    base_ = static_cast<std::byte*>(d);
    ring_bytes_ = ring_bytes;
    data_bytes_ = data_bytes;
    count_ = count;
    size_ = size;
    group_ = group;
    const int mask = io_uring_buf_ring_mask(count);
    for (std::uint32_t i = 0; i < count; ++i)
        io_uring_buf_ring_add(ring_, data(static_cast<std::uint16_t>(i)), size_, static_cast<unsigned short>(i), mask,
                              static_cast<int>(i));
    io_uring_buf_ring_advance(ring_, static_cast<int>(count));
    free_.store(count, std::memory_order_relaxed);
    return 0;
}

void provided_buffers::teardown(io_uring* ring) noexcept {
    if (!ring_) return;
    io_uring_unregister_buf_ring(ring, group_);
    ::munmap(ring_, ring_bytes_);
    ::munmap(base_, data_bytes_);
    ring_ = nullptr;
    base_ = nullptr;
    free_.store(0, std::memory_order_relaxed);
}

void provided_buffers::recycle(std::uint16_t bid) noexcept {
    lock_.lock();
    io_uring_buf_ring_add(ring_, data(bid), size_, bid, io_uring_buf_ring_mask(count_), 0);
    io_uring_buf_ring_advance(ring_, 1);
    lock_.unlock();
    free_.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace weft::detail
