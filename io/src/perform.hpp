// perform.hpp — an op's system call, made directly: non-blocking for descriptors under
// epoll (-EAGAIN: wait for readiness), blocking for file ops on the blocking pool.
#pragma once

#include <cerrno>
#include <cstdint>

#include <weft/detail/io_op.hpp>

namespace weft::detail {

std::int64_t perform(io_op& op) noexcept;

// Regular-file operations: under epoll they run on the blocking pool (a regular file is
// always "ready", so readiness cannot tell when a read would block).
constexpr bool is_file_op(io_opcode c) noexcept {
    return c == io_opcode::pread || c == io_opcode::pwrite || c == io_opcode::fsync || c == io_opcode::openat;
}

inline bool would_block(std::int64_t r) noexcept { return r == -EAGAIN || r == -EWOULDBLOCK; }

}  // namespace weft::detail
