// The scheduler's no-lost-wake-up protocol under the model checker (docs/architecture.md,
// "Searching and parking"): real workers, run queues, global queue and idle word
// (mc_pool.hpp), for every ordering of "work is pushed" and "a worker parks". Each scenario
// ends only if every job runs; a job that waits in a queue while every worker sleeps (or
// sits behind a blocked one) leaves all threads blocked, which the checker reports as a
// deadlock, with the interleaving that led there.
#include "mc_pool.hpp"
#include "mc_support.hpp"

namespace {

using namespace weft::mc;
using weft::detail::schedule_hint;

// Work from outside the pool arrives while the workers go to sleep: a thread injects a
// job (a spawn from a non-worker thread) and waits for it.
template <std::uint32_t Workers>
struct foreign_spawn : rl::test_suite<foreign_spawn<Workers>, Workers + 1> {
    pool p{Workers};
    event done;
    job j{[](job& self, pool&, worker&) { static_cast<event*>(self.arg)->set(); }, &done};

    void thread(unsigned idx) {
        if (idx < Workers) {
            p.worker_at(idx).run_loop();
            return;
        }
        p.inject(j);
        done.wait();
        p.stop();
    }
};

// A blocked worker must not stop the others (runtime.a_blocked_worker_does_not_stop_the_others):
// the injected job spawns a child onto its worker's LIFO slots, then blocks that worker
// until the child has run. Another worker has to be woken for the child, or find it.
struct blocked_worker : rl::test_suite<blocked_worker, 3> {
    pool p{2};
    event child_ran, done;
    job child{[](job& self, pool&, worker&) { static_cast<blocked_worker*>(self.arg)->child_ran.set(); }, this};
    job hog{[](job& self, pool&, worker& on) {
                auto* s = static_cast<blocked_worker*>(self.arg);
                on.schedule_local(&s->child, schedule_hint::spawn);
                s->child_ran.wait();  // a long task: this worker is stuck until the child ran
                s->done.set();
            },
            this};

    void thread(unsigned idx) {
        if (idx < 2) {
            p.worker_at(idx).run_loop();
            return;
        }
        p.inject(hog);
        done.wait();
        p.stop();
    }
};

// The same with the child taken from the global queue: two jobs arrive together (as an
// overflow batch does); the worker that takes them takes both (its fair share), moves the
// second into its local queue and blocks in the first. Another worker has to be woken for
// the second, or find it.
struct blocked_behind_a_global_batch : rl::test_suite<blocked_behind_a_global_batch, 3> {
    pool p{2};
    event child_ran, done;
    job child{[](job& self, pool&, worker&) { static_cast<blocked_behind_a_global_batch*>(self.arg)->child_ran.set(); },
              this};
    job hog{[](job& self, pool&, worker&) {
                auto* s = static_cast<blocked_behind_a_global_batch*>(self.arg);
                s->child_ran.wait();
                s->done.set();
            },
            this};

    void thread(unsigned idx) {
        if (idx < 2) {
            p.worker_at(idx).run_loop();
            return;
        }
        void* batch[] = {&hog, &child};
        p.global_queue().push_batch(batch, 2);
        p.notify_work();
        done.wait();
        p.stop();
    }
};

// Two tasks woken onto one worker (a task released two waiters, or a timer poll fired two
// sleepers): the worker runs the newest first, and that one blocks until the other has run.
// Another worker has to be woken for the older one.
struct two_wakes_behind_a_long_task : rl::test_suite<two_wakes_behind_a_long_task, 3> {
    pool p{2};
    event first_ran, done;
    job first{[](job& self, pool&, worker&) { static_cast<two_wakes_behind_a_long_task*>(self.arg)->first_ran.set(); },
              this};
    job second{[](job& self, pool&, worker&) {
                   auto* s = static_cast<two_wakes_behind_a_long_task*>(self.arg);
                   s->first_ran.wait();
                   s->done.set();
               },
               this};
    job waker{[](job& self, pool&, worker& on) {
                  auto* s = static_cast<two_wakes_behind_a_long_task*>(self.arg);
                  on.schedule_local(&s->first, schedule_hint::wake);
                  on.schedule_local(&s->second, schedule_hint::wake);
              },
              this};

    void thread(unsigned idx) {
        if (idx < 2) {
            p.worker_at(idx).run_loop();
            return;
        }
        p.inject(waker);
        done.wait();
        p.stop();
    }
};

// Broken variants of the real protocol.
template <class Scenario>
struct without_recheck : Scenario {
    without_recheck() { this->p.skip_recheck(); }
};
// The code before the fixes: a worker moving its share of a global batch into its queue
// (pop_global), or waking a second task into its LIFO slots (schedule_local), woke nobody.
template <class Scenario>
struct without_batch_notify : Scenario {
    without_batch_notify() { this->p.silence_notify_in("pop_global"); }
};
template <class Scenario>
struct without_wake_notify : Scenario {
    without_wake_notify() { this->p.silence_notify_in("schedule_local"); }
};

// One worker: every schedule with one preemption. Two workers: the state space is too big
// for that within the default run's budget, PCT (depth 3) and random schedules instead;
// WEFTMC_SCALE raises both.
TEST(mc_scheduler, a_foreign_spawn_wakes_the_only_worker) { explore<foreign_spawn<1>>(exhaustive(1)); }

TEST(mc_scheduler, a_foreign_spawn_wakes_one_of_two_workers) {
    explore<foreign_spawn<2>>(pct(20'000, 3, 80));
    explore<foreign_spawn<2>>(randomized(10'000));
}

TEST(mc_scheduler, a_blocked_worker_does_not_strand_its_spawn) {
    explore<blocked_worker>(pct(20'000, 3, 80));
    explore<blocked_worker>(randomized(10'000));
}

TEST(mc_scheduler, a_blocked_worker_does_not_strand_its_share_of_a_global_batch) {
    explore<blocked_behind_a_global_batch>(pct(20'000, 3, 80));
    explore<blocked_behind_a_global_batch>(randomized(10'000));
}

TEST(mc_scheduler, a_long_task_does_not_strand_a_task_woken_with_it) {
    explore<two_wakes_behind_a_long_task>(pct(20'000, 3, 80));
    explore<two_wakes_behind_a_long_task>(randomized(10'000));
}

// Broken: rule 4 removed — a parking worker does not look at the queues after it is
// counted as parked; a spawn that saw it still running woke nobody.
TEST(mc_scheduler, rejects_parking_without_the_recheck) {
    expect_rejected<without_recheck<blocked_worker>>(pct(4'000, 3, 80), "DEADLOCK");
}

// Broken: notify_work reads the idle word without the seq_cst fence after the push.
TEST(mc_scheduler, rejects_a_notify_without_its_fence) {
    mutation_scope broken{
        {"idle_state::worker_to_notify", op_kind::fence, std::memory_order_seq_cst, mutation_kind::drop_fence}};
    expect_rejected<foreign_spawn<1>>(exhaustive(1), "DEADLOCK");
    EXPECT_GT(broken.hits(), 0);
}

// Broken: idle_state::park without the seq_cst fence between the RMW that counts the
// worker as parked and its re-check: the re-check may read the queues as they were before
// the push while the pusher's fenced read of the idle word saw the worker still running.
TEST(mc_scheduler, rejects_a_park_without_its_fence) {
    mutation_scope broken{{"idle_state::park", op_kind::fence, std::memory_order_seq_cst, mutation_kind::drop_fence}};
    expect_rejected<foreign_spawn<1>>(exhaustive(1), "DEADLOCK");
    EXPECT_GT(broken.hits(), 0);
}

// The strands behind the old 5 ms backstop (docs/architecture.md, rule 6 before issue 18):
// without their wake-ups, a task waits behind a long one while the other worker sleeps.
TEST(mc_scheduler, rejects_a_global_batch_moved_without_a_notify) {
    expect_rejected<without_batch_notify<blocked_behind_a_global_batch>>(pct(4'000, 3, 80), "DEADLOCK");
}

TEST(mc_scheduler, rejects_a_second_wake_without_a_notify) {
    expect_rejected<without_wake_notify<two_wakes_behind_a_long_task>>(pct(4'000, 3, 80), "DEADLOCK");
}

}  // namespace
