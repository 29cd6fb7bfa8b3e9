// The join protocol (weft/detail/join_state.hpp) under the model checker, on real tasks
// (weft::task, join_handle) run by the threads of mc_runtime: a child completes while its
// parent awaits it, while its handle is dropped, while the parent is cancelled, while the
// runtime destroys it at shutdown; a parent takes an unstarted child back from its LIFO
// slots while another thread steals it. Every task is resumed exactly once, what the
// child wrote is visible to whoever takes its result, and every frame is freed exactly
// once (Relacy tracks the heap: a leak or a double free fails the scenario).
#include <weft/join_handle.hpp>
#include <weft/task.hpp>

#include "mc_runtime.hpp"
#include "mc_support.hpp"

namespace {

using namespace weft::mc;
using weft::detail::runtime_core;

template <class T>
weft::join_handle<T> spawn_on(runtime_core& rt, weft::task<T> t) {
    auto h = weft::detail::make_root(std::move(t), &rt);
    weft::detail::start_root(h);
    return h;
}

struct shared {
    rl::var<int> payload;  // written by the child, read by whoever takes its result
    int resumed = 0;       // how often the parent came back from its await
    int outcome = 0;       // 1: got the value, 2: cancelled
    bool finished = false;
};

weft::task<int> child(shared* s) {
    s->payload($) = 7;
    co_return 42;
}

weft::task<> parent(shared* s) {
    auto h = spawn_on(*weft::detail::current_core(), child(s));
    try {
        int v = co_await h;
        ++s->resumed;
        RL_ASSERT(v == 42);
        RL_ASSERT(s->payload($) == 7);
        s->outcome = 1;
    } catch (const weft::cancelled_error&) {
        ++s->resumed;
        s->outcome = 2;
    }
    s->finished = true;
    weft::detail::current_core()->finish();
}

// Two threads run the parent and the child; a third may cancel the parent or drop its
// handle. Mode: 0 nothing, 1 cancel, 2 drop the parent's handle.
template <int Mode, bool Lifo = false>
struct parent_awaits_child : rl::test_suite<parent_awaits_child<Mode, Lifo>, Mode == 0 ? 2 : 3> {
    static inline long outcomes[3] = {};  // over all schedules: none, value, cancelled
    runtime_core rt{Lifo};
    shared s;
    weft::join_handle<> root;

    void before() {
        s.payload($) = 0;
        root = spawn_on(rt, parent(&s));
    }
    void thread(unsigned idx) {
        if (idx < 2) {
            rt.run_until_finished();
        } else if (Mode == 1) {
            root.cancel();
        } else {
            root.detach();
        }
    }
    void after() {
        RL_ASSERT(s.resumed == 1);
        RL_ASSERT(s.outcome == 1 || (Mode == 1 && s.outcome == 2));
        ++outcomes[s.outcome];
        // The child may still sit in a queue when the parent gave up on it (cancelled).
        while (rt.run_one()) {
        }
        root.detach();
    }
};

// A child dropped by its handle while it runs on another thread: whoever of {child, handle}
// lets go last frees the frame, exactly once.
struct child_completes_vs_handle_dropped : rl::test_suite<child_completes_vs_handle_dropped, 2> {
    runtime_core rt;
    shared s;
    weft::join_handle<int> h;

    void before() {
        s.payload($) = 0;
        h = spawn_on(rt, child(&s));
    }
    void thread(unsigned idx) {
        if (idx == 0)
            (void)rt.run_one();
        else
            h.detach();
    }
};

// Shutdown destroys a task that never ran (marks it `destroyed`, destroys the frame, keeps
// the memory for the handle) while its handle is dropped: the memory is freed once.
struct shutdown_vs_handle_dropped : rl::test_suite<shutdown_vs_handle_dropped, 2> {
    runtime_core rt;
    shared s;
    weft::join_handle<int> h;
    void* frame = nullptr;

    void before() {
        s.payload($) = 0;
        auto coro = child(&s).release();  // never started
        frame = coro.address();
        h = weft::detail::make_root(weft::task<int>(coro), &rt);
    }
    void thread(unsigned idx) {
        if (idx == 0) {
            weft::detail::join_word(frame).fetch_or(weft::detail::join_bits::destroyed, std::memory_order_acq_rel);
            weft::detail::destroy_destroyed_root(frame);
        } else {
            h.detach();
        }
    }
};

// A task's await goes through its registration, the cancellation word and the join word:
// a few hundred scheduling points, too many for an exhaustive search within the default
// run's budget (one preemption: 150k schedules, 20 s here). PCT and random schedules
// instead; WEFTMC_SCALE raises them.
TEST(mc_join, child_completes_while_the_parent_awaits_it) {
    explore<parent_awaits_child<0>>(pct(6'000, 3, 300));
    explore<parent_awaits_child<0>>(randomized(4'000));
}

TEST(mc_join, the_parent_is_cancelled_while_the_child_completes) {
    explore<parent_awaits_child<1>>(pct(6'000, 3, 300));
    explore<parent_awaits_child<1>>(randomized(4'000));
    // Both ends of the race were explored.
    EXPECT_GT(parent_awaits_child<1>::outcomes[1], 0);
    EXPECT_GT(parent_awaits_child<1>::outcomes[2], 0);
}

TEST(mc_join, the_parents_handle_is_dropped_while_it_awaits) {
    explore<parent_awaits_child<2>>(pct(6'000, 3, 300));
    explore<parent_awaits_child<2>>(randomized(4'000));
}

TEST(mc_join, a_take_back_races_a_thief_for_an_unstarted_child) {
    explore<parent_awaits_child<0, true>>(exhaustive(2));
}

TEST(mc_join, shutdown_destroys_a_task_while_its_handle_is_dropped) {
    explore<shutdown_vs_handle_dropped>(exhaustive(3));
}

TEST(mc_join, a_child_completes_while_its_handle_is_dropped) {
    explore<child_completes_vs_handle_dropped>(exhaustive(3));
}

// Broken: the child's final step publishes `complete` with a relaxed RMW: the parent reads
// the result without seeing what the child wrote.
TEST(mc_join, rejects_a_relaxed_completion) {
    mutation_scope broken{{"complete_root", op_kind::rmw, std::memory_order_acq_rel}};
    expect_rejected<parent_awaits_child<0>>(pct(3'000, 3, 300), "DATA RACE|USER ASSERT");
    EXPECT_GT(broken.hits(), 0);
}

// Broken: dropping the handle sets `dropped` with a load and a separate store: the child's
// final step and the handle both think the other one frees the frame (a leak), or both free it.
TEST(mc_join, rejects_a_non_atomic_drop) {
    mutation_scope broken{{"drop_root", op_kind::rmw, std::memory_order_acq_rel, mutation_kind::split_rmw}};
    expect_rejected<child_completes_vs_handle_dropped>(exhaustive(3), "MEMORY LEAK|DOUBLE FREE|ACCESS TO FREED");
    EXPECT_GT(broken.hits(), 0);
}

}  // namespace
