// mc_runtime.hpp — a runtime for tasks under the model checker.
//
// The task-level protocols (join_state.hpp, promise_base.hpp's cancellation word,
// wait_queue.hpp, the timers) run real weft::task coroutines: the scenario's threads take
// entries from this runtime's queue and resume them. What is simulated is the scheduler
// API those headers call (scheduler_api.hpp, defined in mc_runtime.cpp): schedule() puts a
// task in the shared queue (the real inject_queue) or, in LIFO mode, in the calling
// thread's LIFO slots (the real lifo_slots, from which a join takes an unstarted child back
// and runs it inline); registration uses the real task_registry.
#pragma once

#include <coroutine>
#include <cstdint>
#include <memory>

#include <weft/detail/join_state.hpp>
#include <weft/detail/parker.hpp>
#include <weft/detail/promise_base.hpp>

#include "inject_queue.hpp"
#include "lifo_slots.hpp"
#include "task_registry.hpp"
#include "weft_mc/atomic.hpp"
#include "weft_mc/os_wait.hpp"

namespace weft::detail {
struct runtime_clock;
}

namespace weft::mc {
// What a scenario reads of the timers stack's services (mc_runtime.cpp).
class timer_services {
public:
    virtual weft::detail::runtime_clock& clock() noexcept = 0;

protected:
    ~timer_services() = default;
};
}  // namespace weft::mc

namespace weft::detail {

class runtime_core {
public:
    static constexpr int max_threads = 4;

    explicit runtime_core(bool lifo_mode = false);
    ~runtime_core();
    runtime_core(const runtime_core&) = delete;
    runtime_core& operator=(const runtime_core&) = delete;

    std::uint16_t id() const noexcept { return id_; }
    // Spawned tasks, wakes and yields land here (or in the LIFO slots, see above).
    inject_queue queue;
    lifo_slots lifo[max_threads];
    task_registry registry{2};
    const bool lifo_mode;
    mc::atomic<bool> tearing_down{false};
    int unretrieved_errors = 0;

    // Runs one queued task (the calling thread's LIFO first); false if there was none.
    bool run_one();
    // Runs queued tasks until finish() (sleeping while there are none).
    void run_until_finished();
    // Ends run_until_finished() on every thread.
    void finish();
    // Destroys what is left (tasks never started, as runtime_core::shutdown does).
    void drain();

private:
    friend bool schedule(runtime_core*, std::coroutine_handle<>, schedule_hint) noexcept;
    void wake_all() noexcept;

    std::uint16_t id_;
    mc::atomic<bool> finished_{false};
    std::unique_ptr<parker> idle_[max_threads];  // a thread sleeps here while there is nothing to run
};

}  // namespace weft::detail
