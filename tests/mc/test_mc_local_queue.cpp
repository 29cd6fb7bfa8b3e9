// The local run queue (core/src/local_queue.hpp) under the model checker: the owner pushes
// and pops while thieves steal half into their own queues. Every item is taken exactly
// once, nothing is lost, and whoever takes an item sees what was written into it before it
// was pushed (its payload is an rl::var: reading it without a happens-before edge from
// the write is reported as a data race).
#include "local_queue.hpp"

#include "mc_support.hpp"
#include "weft_mc/atomic.hpp"

namespace {

using namespace weft::mc;
using weft::detail::local_queue;

struct item {
    rl::var<int> payload;
    int taken = 0;  // plain: the scheduler switches threads only at atomic operations
};

template <int Thieves, int Items>
struct queue_scenario : rl::test_suite<queue_scenario<Thieves, Items>, 1 + Thieves> {
    local_queue owner{4};
    local_queue thief_queue[2] = {local_queue{4}, local_queue{4}};
    item items[Items];

    void before() {
        for (auto& it : items) it.payload($) = 0;
    }

    void take(void* p, int thread) {
        RL_ASSERT(p != nullptr);
        auto* it = static_cast<item*>(p);
        RL_ASSERT(it->payload($) == static_cast<int>(it - items) + 1);  // written before the push
        it->taken += 1;
        (void)thread;
    }

    void thread(unsigned idx) {
        if (idx == 0) {  // the owner: pushes, pops one in the middle, pushes the rest
            for (int k = 0; k < Items; ++k) {
                items[k].payload($) = k + 1;
                RL_ASSERT(owner.push(&items[k]));
                if (k == 1)
                    if (void* p = owner.pop()) take(p, 0);
            }
            if (void* p = owner.pop()) take(p, 0);
        } else {  // a thief: steals half into its own queue, runs one, then its queue
            local_queue& mine = thief_queue[idx - 1];
            if (void* p = owner.steal_into(mine)) take(p, static_cast<int>(idx));
            while (void* p = mine.pop()) take(p, static_cast<int>(idx));
        }
    }

    void after() {
        while (void* p = owner.pop()) take(p, 0);
        for (int t = 0; t < Thieves; ++t)
            while (void* p = thief_queue[t].pop()) take(p, 0);
        for (auto& it : items) RL_ASSERT(it.taken == 1);
    }
};

using one_thief = queue_scenario<1, 3>;
using two_thieves = queue_scenario<2, 4>;

TEST(mc_local_queue, push_pop_and_steal_half_hand_out_every_item_once) { explore<one_thief>(exhaustive(3)); }

TEST(mc_local_queue, two_thieves_and_the_owner) { explore<two_thieves>(randomized(20'000)); }

// Broken: push publishes the new tail with a relaxed store: a thief can see the tail but
// not the slot (or the item) written before it.
TEST(mc_local_queue, rejects_a_relaxed_tail_store) {
    mutation_scope broken{{"local_queue::push", op_kind::store, std::memory_order_release}};
    expect_rejected<one_thief>(exhaustive(3), "DATA RACE|USER ASSERT");
    EXPECT_GT(broken.hits(), 0);
}

// Broken: a thief's CAS on head is a load and a separate store: the owner pops an item the
// thief also takes.
TEST(mc_local_queue, rejects_a_non_atomic_steal) {
    mutation_scope broken{
        {"local_queue::steal_into", op_kind::rmw, std::memory_order_acq_rel, mutation_kind::split_rmw}};
    expect_rejected<one_thief>(exhaustive(3), "USER ASSERT");
    EXPECT_GT(broken.hits(), 0);
}

}  // namespace
