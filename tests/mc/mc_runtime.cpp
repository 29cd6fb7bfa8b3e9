// mc_runtime.cpp — the scheduler API (weft/detail/scheduler_api.hpp) and the frame
// allocator for tasks run under the model checker (see mc_runtime.hpp).
#include "mc_runtime.hpp"

#include <chrono>
#include <new>

#include <weft/detail/wait_describe.hpp>
#include <weft/internal/timer_service.hpp>
#include <weft/timers_stack.hpp>

#include "worker.hpp"  // tag_unstarted, frame_of

namespace weft::detail {

runtime_core* live_runtimes[max_runtimes];
[[gnu::tls_model("initial-exec")]] thread_local void* tl_frame_to_keep = nullptr;

// Frames come from operator new, which Relacy tracks: a scenario that leaks a frame or
// frees it twice fails.
void* cached_alloc(std::size_t bytes) { return ::operator new(bytes); }
void cached_free(void* p, std::size_t) noexcept { ::operator delete(p); }

runtime_core::runtime_core(bool lifo) : lifo_mode(lifo), id_(1) {
    for (auto& p : idle_) p = make_futex_parker();
    live_runtimes[id_] = this;
    mc::futex_spurious_wakeups = false;  // explored by the parker's own scenarios
}

runtime_core::~runtime_core() {
    drain();
    live_runtimes[id_] = nullptr;
    mc::futex_spurious_wakeups = true;
}

void runtime_core::wake_all() noexcept {
    for (auto& w : idle_) w->unpark();
}

void runtime_core::finish() {
    finished_.store(true, std::memory_order_release);
    wake_all();
}

namespace {
runtime_core* current = nullptr;
unsigned me() { return rl::thread_index(); }
}  // namespace

bool runtime_core::run_one() {
    current = this;
    void* entry = lifo_mode ? lifo[me()].pop() : nullptr;
    if (!entry) {
        void* batch[1];
        if (queue.pop_batch(batch, 1) == 0) return false;
        entry = batch[0];
    }
    std::coroutine_handle<>::from_address(frame_of(entry)).resume();
    return true;
}

void runtime_core::run_until_finished() {
    while (true) {
        if (run_one()) continue;
        if (finished_.load(std::memory_order_acquire)) return;
        idle_[me()]->park(std::chrono::nanoseconds(-1));
    }
}

void runtime_core::drain() {
    for (auto& l : lifo)
        while (void* t = l.pop())
            if (is_unstarted(t)) std::coroutine_handle<>::from_address(frame_of(t)).destroy();
    for (void* t : queue.close_and_drain())
        if (is_unstarted(t)) std::coroutine_handle<>::from_address(frame_of(t)).destroy();
    (void)registry.close_and_drain();
}

runtime_core* current_core() noexcept { return current; }

// The task dump's side of the scheduler API (scheduler_api.hpp, wait_describe.hpp): the
// checker's scenarios never take a dump, so the running root is only written and the
// modules' wait describers (timers/src/sleep.cpp registers one) are accepted and unused.
thread_local std::atomic<promise_base*> tl_running_root{nullptr};
thread_local std::atomic<std::uint16_t> tl_running_site{0};
thread_local std::uint64_t tl_wait_clock_ms = 0;
bool register_wait_describer(void (*)(canceller*) noexcept, describe_fn) noexcept { return true; }

bool schedule(runtime_core* core, std::coroutine_handle<> h, schedule_hint hint) noexcept {
    void* entry = hint == schedule_hint::spawn ? tag_unstarted(h.address()) : h.address();
    bool ok = true;
    if (core->lifo_mode && hint != schedule_hint::yield) {
        if (void* evicted = core->lifo[me()].push(entry)) ok = core->queue.push(evicted);
    } else {
        ok = core->queue.push(entry);
    }
    core->wake_all();
    return ok;
}

bool take_back_unstarted(runtime_core* core, void* frame) noexcept {
    return core->lifo_mode && core->lifo[me()].take(tag_unstarted(frame));
}

bool consume_budget() noexcept { return true; }

// The timers stack of the checker's runtime: the real timer_service per worker, with the
// futex parker and a paused clock (moved by the scenarios), without the configuration
// and runtime lookup of timers/src/timer_runtime.cpp (which the checker does not build).
namespace {
class mc_timer_services final : public runtime_services, public mc::timer_services {
public:
    std::unique_ptr<worker_services> make_worker(runtime_core& core, std::uint32_t) override {
        return std::make_unique<timer_service>(core, clock_, make_futex_parker());
    }
    std::string describe() const override { return "core + timers (model checker)"; }
    runtime_clock& clock() noexcept override { return clock_; }

private:
    runtime_clock clock_{true, std::chrono::microseconds(1000)};
};
}  // namespace

std::unique_ptr<runtime_services> make_timer_services(runtime_core&, runtime_config&) {
    return std::make_unique<mc_timer_services>();
}

void register_root(runtime_core* core, promise_base* root) noexcept { core->registry.add(root, me()); }

void note_suspend_slow(promise_base* root) noexcept {
    if (!root->registered()) register_root(root->own_core(), root);
    arm_inline_waiter(root);
}

void unregister_root(runtime_core* core, promise_base* root) noexcept { core->registry.remove(root); }

void report_unretrieved_error(const std::exception_ptr&) noexcept {
    if (current) ++current->unretrieved_errors;
}

std::uint16_t core_id(const runtime_core* core) noexcept { return core->id(); }

bool is_tearing_down(const runtime_core* core) noexcept { return core->tearing_down.load(std::memory_order_acquire); }

}  // namespace weft::detail
