// test_support.hpp — small helpers the core test files share.
#pragma once

#include <cstdint>

#include <weft/config.hpp>
#include <weft/join_handle.hpp>
#include <weft/task.hpp>

namespace weft::test {

// A runtime config with n workers and every other field at its default, or as WEFT_*
// variables say (meson runs the runtime tests once more with WEFT_IO_DRIVER=epoll).
inline runtime_config workers(std::uint32_t n) {
    runtime_config c;
    c.apply_process_env();
    c.workers = n;
    return c;
}

// Awaits a handle from block_on (a handle spawned from outside the runtime).
template <class T>
task<T> join(join_handle<T>* h) {
    co_return co_await *h;
}

}  // namespace weft::test
