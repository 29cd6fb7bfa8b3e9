// Timer cancel vs fire (timers/src/timer_service.*, timers/src/sleep.cpp) under the model
// checker: a task sleeps on a worker's timer wheel; one thread moves the clock past the
// deadline and fires the due timers (as the worker's poll, or an idle worker helping it),
// another cancels the task. Whoever unlinks the timer resumes the task: exactly once,
// either by the expiry (the sleep returns) or by the cancellation (cancelled_error).
#include <weft/internal/timer_service.hpp>
#include <weft/join_handle.hpp>
#include <weft/sleep.hpp>
#include <weft/task.hpp>

#include "mc_runtime.hpp"
#include "mc_support.hpp"

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

// A worker's timers, built by the timers stack as a runtime builds them (mc_runtime.cpp:
// the real timer_service, the futex parker, a paused clock).
struct worker_timers {
    weft::runtime_config cfg;
    std::unique_ptr<weft::detail::runtime_services> services;
    std::unique_ptr<weft::detail::worker_services> worker;

    explicit worker_timers(runtime_core& rt)
        : services(weft::timers_stack.build(rt, cfg)), worker(services->make_worker(rt, 0)) {}
    weft::detail::timer_service& service() { return static_cast<weft::detail::timer_service&>(*worker); }
    weft::detail::runtime_clock& clock() { return dynamic_cast<weft::mc::timer_services&>(*services).clock(); }
};

// The sleep is armed before the threads start; thread 1 fires due timers, thread 2 (if
// Cancel) cancels the task.
template <bool Cancel>
struct fire_vs_cancel : rl::test_suite<fire_vs_cancel<Cancel>, 3> {
    static inline long outcomes[3] = {};  // over all schedules: -, fired, cancelled
    runtime_core rt;
    worker_timers timers{rt};
    weft::detail::timer_service& svc = timers.service();
    shared s;
    weft::join_handle<> task;

    void before() {
        svc.attach();  // sets the thread-local: Relacy's threads are fibers of this thread
        task = weft::detail::make_root(sleeper(&s), &rt);
        weft::detail::start_root(task);
        RL_ASSERT(rt.run_one());  // the sleep arms its timer and suspends
    }
    void thread(unsigned idx) {
        if (idx == 0) {
            rt.run_until_finished();
        } else if (idx == 1) {
            timers.clock().paused_offset_ns.fetch_add(std::chrono::nanoseconds(10ms).count(),
                                                      std::memory_order_release);
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
        svc.detach();
    }
};

// The task starts sleeping (arms the timer, installs its canceller) while another thread
// cancels it; no timer ever fires. The cancellation must end the sleep: a request that
// lands between arming and installing is seen by the install (both under the wheel's lock).
struct cancel_while_arming : rl::test_suite<cancel_while_arming, 2> {
    runtime_core rt;
    worker_timers timers{rt};
    weft::detail::timer_service& svc = timers.service();
    shared s;
    weft::join_handle<> task;

    void before() {
        svc.attach();  // sets the thread-local: Relacy's threads are fibers of this thread
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
        svc.detach();
    }
};

// Every schedule without preemption (each with every value its loads may read), then PCT
// and random schedules; the exhaustive search with one preemption from WEFTMC_SCALE=2 on
// (its state space grew past the default run's budget with the timers stack's services).
TEST(mc_timer, a_due_timer_fires_once) {
    explore<fire_vs_cancel<false>>(exhaustive(0));
    explore<fire_vs_cancel<false>>(pct(3'000, 3, 150));
    explore<fire_vs_cancel<false>>(randomized(2'000));
}

TEST(mc_timer, cancel_vs_fire_resumes_the_sleeper_exactly_once) {
    explore<fire_vs_cancel<true>>(pct(3'000, 3, 150));
    explore<fire_vs_cancel<true>>(randomized(3'000));
    EXPECT_GT(fire_vs_cancel<true>::outcomes[1], 0);
    EXPECT_GT(fire_vs_cancel<true>::outcomes[2], 0);
}

// Every schedule with one preemption is over 100k schedules here: PCT and random schedules
// by default, the exhaustive search without preemption from WEFTMC_SCALE=2 on.
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
