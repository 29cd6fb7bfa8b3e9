// The LIFO slots (core/src/lifo_slots.hpp) under the model checker: the owner pushes,
// takes a child back (closing the hole by moving newer entries down) and pops, while a
// thief steals. Every task is taken exactly once, a task the owner takes back was not
// stolen, whoever takes a task sees what was written before its push, and a task nobody
// takes is visible to has_work() at every moment (what a parking worker's re-check reads).
#include "lifo_slots.hpp"

#include "mc_support.hpp"
#include "weft_mc/atomic.hpp"

namespace {

using namespace weft::mc;
using weft::detail::lifo_slots;

struct item {
    rl::var<int> payload;
    int taken = 0;
};

// Owner: push A, B, C; take B back (C moves down); pop. Thief: steal twice.
struct take_back_vs_steal : rl::test_suite<take_back_vs_steal, 2> {
    static inline long taken_back = 0, stolen = 0;  // B, over all schedules
    lifo_slots slots;
    item items[3];

    void before() {
        for (auto& it : items) it.payload($) = 0;
    }
    void take(void* p) {
        RL_ASSERT(p != nullptr);
        auto* it = static_cast<item*>(p);
        RL_ASSERT(it->payload($) == static_cast<int>(it - items) + 1);
        it->taken += 1;
    }
    void thread(unsigned idx) {
        if (idx == 0) {
            for (int k = 0; k < 3; ++k) {
                items[k].payload($) = k + 1;
                RL_ASSERT(slots.push(&items[k]) == nullptr);
            }
            if (slots.take(&items[1])) {  // runs it inline
                take(&items[1]);
                ++taken_back;
            } else {
                ++stolen;
            }
            if (void* p = slots.pop()) take(p);
        } else {
            for (int k = 0; k < 2; ++k)
                if (void* p = slots.steal()) take(p);
        }
    }
    void after() {
        while (void* p = slots.pop()) take(p);
        for (auto& it : items) RL_ASSERT(it.taken == 1);
    }
};

// Owner: A and B are in the slots; it takes A back, which moves B into A's slot. An
// observer asks has_work() meanwhile: B is there all along, so the answer must be yes.
struct take_back_keeps_the_rest_visible : rl::test_suite<take_back_keeps_the_rest_visible, 2> {
    lifo_slots slots;
    int a = 1, b = 2;

    void before() {
        slots.push(&a);
        slots.push(&b);
    }
    void thread(unsigned idx) {
        if (idx == 0)
            RL_ASSERT(slots.take(&a));
        else
            RL_ASSERT(slots.has_work());
    }
    void after() {
        RL_ASSERT(slots.pop() == &b);
        slots.clear();
    }
};

TEST(mc_lifo_slots, take_back_vs_steal_hands_out_every_task_once) {
    explore<take_back_vs_steal>(exhaustive(3));
    EXPECT_GT(take_back_vs_steal::taken_back, 0);
    EXPECT_GT(take_back_vs_steal::stolen, 0);
}

TEST(mc_lifo_slots, take_back_vs_steal_randomized) { explore<take_back_vs_steal>(randomized(20'000)); }

TEST(mc_lifo_slots, a_take_back_never_hides_the_other_tasks) {
    explore<take_back_keeps_the_rest_visible>(exhaustive(3));
}

// Broken: the owner fills a slot with a relaxed store: a thief can take the task without
// seeing what was written into it.
TEST(mc_lifo_slots, rejects_a_relaxed_push) {
    mutation_scope broken{{"lifo_slots::push", op_kind::store, std::memory_order_release}};
    expect_rejected<take_back_vs_steal>(exhaustive(2), "DATA RACE|USER ASSERT");
    EXPECT_GT(broken.hits(), 0);
}

// Broken: the move bracket without its fence: has_work() can read the slot a move emptied
// and still the old count, and answer "nothing here" while the task is in the owner's hand.
TEST(mc_lifo_slots, rejects_a_move_without_its_fence) {
    mutation_scope broken{
        {"lifo_slots::begin_move", op_kind::fence, std::memory_order_release, mutation_kind::drop_fence}};
    expect_rejected<take_back_keeps_the_rest_visible>(exhaustive(3), "USER ASSERT");
    EXPECT_GT(broken.hits(), 0);
}

// Broken: a thief takes a slot with a load and a separate store: owner and thief both run
// the task.
TEST(mc_lifo_slots, rejects_a_non_atomic_steal) {
    mutation_scope broken{{"lifo_slots::steal", op_kind::rmw, std::memory_order_acquire, mutation_kind::split_rmw}};
    expect_rejected<take_back_vs_steal>(exhaustive(2), "USER ASSERT");
    EXPECT_GT(broken.hits(), 0);
}

}  // namespace
