// weft/detail/timer_node.hpp — a timer as the wheel sees it (timer_node) and as a sleeping
// task arms it (timer_waiter). Both are embedded in whatever waits, so arming a timer
// allocates nothing. Users do not include this directly.
#pragma once

#include <coroutine>
#include <cstdint>

namespace weft::detail {

class runtime_core;

struct timer_node {
    std::uint64_t deadline = 0;  // in ticks
    timer_node* prev = nullptr;
    timer_node* next = nullptr;
    std::uint8_t level = 0;
    std::uint8_t slot = 0;
    bool linked = false;  // in the wheel (not fired, not removed)
    bool due = false;     // in the due list (deadline already reached when inserted)
};

// What a fired timer resumes (on the runtime of the wheel's worker). Once fired, the
// node's `next` link strings it into the worker's list of timers to resume.
struct timer_waiter : timer_node {
    std::coroutine_handle<> task;
};

}  // namespace weft::detail
