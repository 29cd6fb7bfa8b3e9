// task_registry: add/remove in any order across segment boundaries (up and down, many
// times), size, close_and_drain returning exactly the live entries, and concurrent use.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <random>
#include <set>
#include <thread>
#include <vector>

#include "task_registry.hpp"

namespace {

using weft::detail::promise_base;
using weft::detail::task_registry;

constexpr std::size_t seg = task_registry::segment_entries;

std::set<promise_base*> as_set(const std::vector<promise_base*>& v) { return {v.begin(), v.end()}; }

TEST(task_registry, removal_in_random_order_across_segments_keeps_the_others) {
    constexpr std::size_t n = 3 * seg + 100;
    auto ps = std::make_unique<promise_base[]>(n);
    for (std::size_t i = 0; i < n; ++i) ps[i].make_root(1);  // only roots are registered
    task_registry reg(2);
    std::set<promise_base*> live;
    for (std::size_t i = 0; i < n; ++i) {
        ASSERT_TRUE(reg.add(&ps[i], static_cast<std::uint32_t>(i)));
        live.insert(&ps[i]);
    }
    EXPECT_EQ(reg.size(), n);
    std::vector<std::size_t> order(n);
    for (std::size_t i = 0; i < n; ++i) order[i] = i;
    std::mt19937 rng(42);
    std::shuffle(order.begin(), order.end(), rng);
    // Remove two thirds, in random order: both shards shrink past segment boundaries.
    for (std::size_t k = 0; k < 2 * n / 3; ++k) {
        reg.remove(&ps[order[k]]);
        live.erase(&ps[order[k]]);
        ASSERT_EQ(reg.size(), live.size());
    }
    std::vector<promise_base*> left = reg.close_and_drain();
    EXPECT_EQ(left.size(), live.size());
    EXPECT_EQ(as_set(left), live);
    EXPECT_EQ(reg.size(), 0u);
}

// A random walk of adds and removes of random live entries that crosses segment boundaries in both directions many
// times, checked against a model.
TEST(task_registry, random_walk_across_boundaries_matches_a_model) {
    constexpr std::size_t pool = 3 * seg;
    auto ps = std::make_unique<promise_base[]>(pool);
    for (std::size_t i = 0; i < pool; ++i) ps[i].make_root(1);  // only roots are registered
    task_registry reg(1);
    std::vector<promise_base*> live, free_list;
    for (std::size_t i = 0; i < pool; ++i) free_list.push_back(&ps[i]);
    std::mt19937 rng(7);
    std::size_t crossings = 0, last_segments = 0;
    for (int step = 0; step < 400'000; ++step) {
        // Drift up for a while, then down, so that the count sweeps over the boundaries.
        bool grow_phase = (step / 20'000) % 2 == 0;
        bool add = !free_list.empty() && (live.empty() || rng() % 100 < (grow_phase ? 70u : 30u));
        if (add) {
            std::size_t k = rng() % free_list.size();
            promise_base* p = free_list[k];
            free_list[k] = free_list.back();
            free_list.pop_back();
            ASSERT_TRUE(reg.add(p, 0));
            live.push_back(p);
        } else {
            std::size_t k = rng() % 10 == 0 ? live.size() - 1 : rng() % live.size();
            reg.remove(live[k]);
            free_list.push_back(live[k]);
            live[k] = live.back();
            live.pop_back();
        }
        ASSERT_EQ(reg.size(), live.size());
        std::size_t segments = (live.size() + seg - 1) / seg;
        if (segments != last_segments) ++crossings;
        last_segments = segments;
    }
    EXPECT_GT(crossings, 10u);
    std::vector<promise_base*> left = reg.close_and_drain();
    EXPECT_EQ(as_set(left), std::set<promise_base*>(live.begin(), live.end()));
    EXPECT_EQ(left.size(), live.size());
}

TEST(task_registry, emptied_and_refilled_then_closed) {
    auto ps = std::make_unique<promise_base[]>(2 * seg);
    task_registry reg(4);
    for (int round = 0; round < 3; ++round) {
        for (std::size_t i = 0; i < 2 * seg; ++i) ASSERT_TRUE(reg.add(&ps[i], 1));
        EXPECT_EQ(reg.size(), 2 * seg);
        for (std::size_t i = 2 * seg; i-- > 0;) reg.remove(&ps[i]);  // newest first: no moves
        EXPECT_EQ(reg.size(), 0u);
    }
    ASSERT_TRUE(reg.add(&ps[0], 5));
    ASSERT_TRUE(reg.add(&ps[1], 6));
    EXPECT_EQ(as_set(reg.close_and_drain()), (std::set<promise_base*>{&ps[0], &ps[1]}));
    EXPECT_FALSE(reg.add(&ps[2], 0));  // closed
    EXPECT_EQ(reg.size(), 0u);
    EXPECT_TRUE(reg.close_and_drain().empty());
}

// Four threads on two shards add entries and remove three quarters of them; the survivors
// are exactly what close_and_drain returns.
TEST(task_registry, concurrent_adds_and_removes) {
    constexpr std::size_t threads = 4, per_thread = 3 * seg;
    auto ps = std::make_unique<promise_base[]>(threads * per_thread);
    task_registry reg(2);
    auto work = [&](std::size_t t) {
        promise_base* mine = &ps[t * per_thread];
        for (std::size_t i = 0; i < per_thread; ++i) ASSERT_TRUE(reg.add(&mine[i], static_cast<std::uint32_t>(t)));
        // Keep every fourth one.
        for (std::size_t i = 0; i < per_thread; ++i)
            if (i % 4 != 0) reg.remove(&mine[i]);
    };
    std::vector<std::thread> ts;
    for (std::size_t t = 0; t < threads; ++t) ts.emplace_back(work, t);
    for (auto& t : ts) t.join();
    std::set<promise_base*> expect;
    for (std::size_t t = 0; t < threads; ++t)
        for (std::size_t i = 0; i < per_thread; i += 4) expect.insert(&ps[t * per_thread + i]);
    EXPECT_EQ(reg.size(), expect.size());
    std::vector<promise_base*> left = reg.close_and_drain();
    EXPECT_EQ(left.size(), expect.size());
    EXPECT_EQ(as_set(left), expect);
}

}  // namespace
