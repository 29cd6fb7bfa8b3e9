// The waiter hand-off of every sync primitive (weft/detail/wait_queue.hpp) under the model
// checker, through a real weft::semaphore: a task waits for a permit while one thread
// releases a permit and another cancels the task. Exactly one of {the release hands the
// permit over, the cancellation ends the wait} resumes the task, exactly once; a cancelled
// waiter never swallows the permit (it stays in the semaphore), a completed one keeps it.
#include <weft/join_handle.hpp>
#include <weft/semaphore.hpp>
#include <weft/task.hpp>

#include "mc_runtime.hpp"
#include "mc_support.hpp"

namespace {

using namespace weft::mc;
using weft::detail::runtime_core;

struct shared {
    weft::semaphore sem{0};
    int resumed = 0;
    int outcome = 0;  // 1: got the permit, 2: cancelled
};

weft::task<> waiter(shared* s) {
    try {
        co_await s->sem.acquire();
        ++s->resumed;
        s->outcome = 1;
    } catch (const weft::cancelled_error&) {
        ++s->resumed;
        s->outcome = 2;
    }
    weft::detail::current_core()->finish();
}

template <bool Cancel>
struct handoff_vs_cancel : rl::test_suite<handoff_vs_cancel<Cancel>, 3> {
    static inline long outcomes[3] = {};  // over all schedules: -, permit, cancelled
    runtime_core rt;
    shared s;
    weft::join_handle<> task;

    void before() {
        task = weft::detail::make_root(waiter(&s), &rt);
        weft::detail::start_root(task);
    }
    void thread(unsigned idx) {
        if (idx == 0) {
            rt.run_until_finished();
        } else if (idx == 1) {
            s.sem.release();
            rt.run_until_finished();
        } else if (Cancel) {
            task.cancel();
        }
    }
    void after() {
        RL_ASSERT(s.resumed == 1);
        ++outcomes[s.outcome];
        if (s.outcome == 1)
            RL_ASSERT(s.sem.available() == 0);  // the waiter holds the one permit
        else
            RL_ASSERT(Cancel && s.outcome == 2 && s.sem.available() == 1);  // not swallowed
        task.detach();
    }
};

TEST(mc_wait_queue, a_release_hands_the_permit_to_the_waiter) {
    explore<handoff_vs_cancel<false>>(pct(3'000, 3, 200));
    explore<handoff_vs_cancel<false>>(randomized(2'000));
}

TEST(mc_wait_queue, release_vs_cancellation_never_both_never_neither) {
    explore<handoff_vs_cancel<true>>(pct(3'000, 3, 200));
    explore<handoff_vs_cancel<true>>(randomized(3'000));
    EXPECT_GT(handoff_vs_cancel<true>::outcomes[1], 0);
    EXPECT_GT(handoff_vs_cancel<true>::outcomes[2], 0);
}

// Broken: the primitive's spin lock is a check-then-act (a load, then a store): a release
// can run while the waiter is still linking itself in, find nobody to hand the permit to,
// and the waiter then waits for ever (neither), or a release and a cancellation both act
// on it (both).
TEST(mc_wait_queue, rejects_a_non_atomic_lock) {
    mutation_scope broken{{"spin_lock::lock", op_kind::rmw, std::memory_order_acquire, mutation_kind::split_rmw}};
    expect_rejected<handoff_vs_cancel<true>>(pct(3'000, 3, 200), "DEADLOCK|USER ASSERT|DOUBLE FREE|ACCESS TO FREED");
    EXPECT_GT(broken.hits(), 0);
}

}  // namespace
