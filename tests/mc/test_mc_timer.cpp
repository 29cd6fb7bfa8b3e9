// Timer cancel vs fire (timers/src/timer_service.*, timers/src/sleep.cpp) under the model
// checker: a task sleeps on a worker's timer wheel; one thread moves the clock past the
// deadline and fires the due timers (as the worker's poll, or an idle worker helping it),
// another cancels the task. Whoever unlinks the timer resumes the task: exactly once,
// either by the expiry (the sleep returns) or by the cancellation (cancelled_error).
#include <weft/join_handle.hpp>
#include <weft/runtime.hpp>
#include <weft/sleep.hpp>
#include <weft/task.hpp>

#include "mc_runtime.hpp"
#include "mc_support.hpp"
#include "timer_service.hpp"

namespace weft::detail {
namespace {
timer_service* service = nullptr;
}
// What sleep.cpp and timer_service.cpp reach of the rest of the runtime.
worker_hooks* current_worker_hooks() noexcept { return service; }
std::shared_ptr<void>& shared_hook_state(runtime_core&, hook_state_slot) noexcept {
    static std::shared_ptr<void> none;
    return none;
}
const runtime_config& core_config(const runtime_core*) noexcept {
    static const runtime_config cfg;
    return cfg;
}
}  // namespace weft::detail

namespace {

using namespace weft::mc;
using namespace std::chrono_literals;
using weft::detail::runtime_core;

struct shared {
    int resumed = 0;
    int outcome = 0;  // 1: the timer fired, 2: cancelled
};

weft::task<> sleeper(shared* s) {
    try {
        co_await weft::sleep_for(5ms);
        ++s->resumed;
        s->outcome = 1;
    } catch (const weft::cancelled_error&) {
        ++s->resumed;
        s->outcome = 2;
    }
    weft::detail::current_core()->finish();
}

// The sleep is armed before the threads start; thread 1 fires due timers, thread 2 (if
// Cancel) cancels the task.
template <bool Cancel>
struct fire_vs_cancel : rl::test_suite<fire_vs_cancel<Cancel>, 3> {
    static inline long outcomes[3] = {};  // over all schedules: -, fired, cancelled
    runtime_core rt;
    weft::detail::runtime_clock clock{true, std::chrono::microseconds(1000)};  // paused time
    weft::detail::timer_service svc{rt, clock};
    shared s;
    weft::join_handle<> task;

    void before() {
        weft::detail::service = &svc;
        task = weft::detail::make_root(sleeper(&s), &rt);
        weft::detail::start_root(task);
        RL_ASSERT(rt.run_one());  // the sleep arms its timer and suspends
    }
    void thread(unsigned idx) {
        if (idx == 0) {
            rt.run_until_finished();
        } else if (idx == 1) {
            clock.paused_offset_ns.fetch_add(std::chrono::nanoseconds(10ms).count(), std::memory_order_release);
            svc.poll();  // fires what is due
        } else if (Cancel) {
            task.cancel();
        }
    }
    void after() {
        RL_ASSERT(s.resumed == 1);
        RL_ASSERT(s.outcome == 1 || (Cancel && s.outcome == 2));
        RL_ASSERT(!svc.has_timers());
        ++outcomes[s.outcome];
        task.detach();
        weft::detail::service = nullptr;
    }
};

// The task starts sleeping (arms the timer, installs its canceller) while another thread
// cancels it; no timer ever fires. The cancellation must end the sleep: a request that
// lands between arming and installing is seen by the install (both under the wheel's lock).
struct cancel_while_arming : rl::test_suite<cancel_while_arming, 2> {
    runtime_core rt;
    weft::detail::runtime_clock clock{true, std::chrono::microseconds(1000)};
    weft::detail::timer_service svc{rt, clock};
    shared s;
    weft::join_handle<> task;

    void before() {
        weft::detail::service = &svc;
        task = weft::detail::make_root(sleeper(&s), &rt);
        weft::detail::start_root(task);
    }
    void thread(unsigned idx) {
        if (idx == 0)
            rt.run_until_finished();
        else
            task.cancel();
    }
    void after() {
        RL_ASSERT(s.resumed == 1 && s.outcome == 2);
        RL_ASSERT(!svc.has_timers());
        task.detach();
        weft::detail::service = nullptr;
    }
};

TEST(mc_timer, a_due_timer_fires_once) { explore<fire_vs_cancel<false>>(exhaustive(1)); }

TEST(mc_timer, cancel_vs_fire_resumes_the_sleeper_exactly_once) {
    explore<fire_vs_cancel<true>>(pct(3'000, 3, 150));
    explore<fire_vs_cancel<true>>(randomized(3'000));
    EXPECT_GT(fire_vs_cancel<true>::outcomes[1], 0);
    EXPECT_GT(fire_vs_cancel<true>::outcomes[2], 0);
}

// Every schedule with one preemption is 107k schedules here (20 s on the 2-core machine):
// PCT and random schedules by default, the exhaustive search from WEFT_MC_SCALE=2 on.
TEST(mc_timer, a_cancel_while_the_sleep_arms_is_not_lost) {
    explore<cancel_while_arming>(pct(3'000, 3, 150));
    explore<cancel_while_arming>(randomized(3'000));
    if (scale() > 1) explore<cancel_while_arming>(exhaustive(0));
}

// Broken: the sleeper installs its canceller with a check-then-act (a load, then a store):
// a cancellation landing in between is overwritten, and the task sleeps for ever.
TEST(mc_timer, rejects_a_non_atomic_canceller_install) {
    mutation_scope broken{
        {"install_canceller_word", op_kind::rmw, std::memory_order_acq_rel, mutation_kind::split_rmw}};
    expect_rejected<cancel_while_arming>(pct(3'000, 3, 150), "DEADLOCK");
    EXPECT_GT(broken.hits(), 0);
}

}  // namespace
