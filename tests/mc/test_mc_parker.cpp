// The parker's permit protocol (weft/detail/parker.hpp, core/src/parker.cpp) with the futex
// parker (core/src/futex_parker.cpp) under the model checker: a permit
// given by unpark() before park() is never lost, concurrent unparks coalesce, and what
// the unparker wrote before unpark() is visible to the parked thread once it returns.
// A lost wake-up shows as a deadlock: the owner sleeps on the futex and nobody wakes it.
#include <weft/detail/parker.hpp>

#include "mc_support.hpp"
#include "weft_mc/atomic.hpp"

namespace {

using namespace weft::mc;
using std::chrono::nanoseconds;
using weft::detail::parker;

// The owner parks (no timeout) until the flag is set; `Unparkers` threads each set their
// flag and unpark it. Any order: unpark before park, during, after.
template <int Unparkers>
struct unpark_vs_park : rl::test_suite<unpark_vs_park<Unparkers>, 1 + Unparkers> {
    std::unique_ptr<parker> word = weft::detail::make_futex_parker();
    weft::mc::atomic<int> done{0};
    rl::var<int> message[Unparkers];

    void thread(unsigned idx) {
        if (idx == 0) {
            // Spurious returns are allowed: re-check, as every caller does.
            while (done.load(std::memory_order_relaxed) < Unparkers) word->park(nanoseconds(-1));
            // The permit carries happens-before from the last unpark() we consumed; each
            // unparker's message is then read through the counter (acquire).
            RL_ASSERT(done.load(std::memory_order_acquire) == Unparkers);
            for (auto& m : message) RL_ASSERT(m($) == 7);
        } else {
            message[idx - 1]($) = 7;
            done.fetch_add(1, std::memory_order_release);
            word->unpark();
        }
    }
};

// The parked thread reads what the unparker wrote, ordered only by the park word (a park
// without a timeout returns only once a permit is there).
struct permit_carries_the_message : rl::test_suite<permit_carries_the_message, 2> {
    std::unique_ptr<parker> word = weft::detail::make_futex_parker();
    rl::var<int> message;

    void thread(unsigned idx) {
        if (idx == 0) {
            word->park(nanoseconds(-1));
            RL_ASSERT(message($) == 42);
        } else {
            message($) = 42;
            word->unpark();
        }
    }
};

TEST(mc_parker, unpark_before_during_or_after_park_wakes_it) { explore<unpark_vs_park<1>>(exhaustive(3)); }

TEST(mc_parker, two_unparkers_coalesce_without_a_lost_wake_up) { explore<unpark_vs_park<2>>(exhaustive(2)); }

TEST(mc_parker, the_permit_orders_what_was_written_before_unpark) {
    explore<permit_carries_the_message>(exhaustive(3));
}

// Broken: park() turns `empty` into `parked` with a load and a separate store: an unpark()
// in between sees `empty`, wakes nobody, and the store overwrites its permit.
TEST(mc_parker, rejects_a_non_atomic_transition_to_parked) {
    mutation_scope broken{{"parker::park", op_kind::rmw, std::memory_order_acq_rel, mutation_kind::split_rmw}};
    expect_rejected<unpark_vs_park<1>>(exhaustive(3), "DEADLOCK");
    EXPECT_GT(broken.hits(), 0);
}

// Broken: unpark() hands over its permit with a relaxed exchange: the woken thread does not
// see what was written before unpark().
TEST(mc_parker, rejects_a_relaxed_unpark) {
    mutation_scope broken{{"parker::unpark", op_kind::rmw, std::memory_order_acq_rel}};
    expect_rejected<permit_carries_the_message>(exhaustive(3), "DATA RACE");
    EXPECT_GT(broken.hits(), 0);
}

// Broken: park() consumes a permit with a plain store, as parker.cpp did before issue 18: a
// second unpark() landing between the failed CAS and the store has its permit swallowed
// without a synchronizes-with edge, so the owner may not see its flag, park again, and
// sleep for ever.
TEST(mc_parker, rejects_a_permit_consumed_by_a_store) {
    mutation_scope broken{{"parker::park", op_kind::rmw, std::memory_order_acq_rel, mutation_kind::blind_store}};
    expect_rejected<unpark_vs_park<2>>(exhaustive(2), "DEADLOCK");
    EXPECT_GT(broken.hits(), 0);
}

}  // namespace
