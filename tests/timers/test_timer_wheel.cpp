// timer_wheel: ordering across levels and cascades, removal at every level, re-arming, far
// deadlines, and a million random timers with random removals checked against a simple
// reference: each fires exactly once or never, never early, and at the first advance()
// that reaches its deadline.
#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <random>
#include <vector>

#include <weft/internal/timer_wheel.hpp>

namespace {

using weft::detail::timer_node;
using weft::detail::timer_wheel;

struct recorder {
    std::vector<std::pair<timer_node*, std::uint64_t>> fired;  // node, tick it fired at
    timer_wheel* wheel;
    void operator()(timer_node* n) { fired.emplace_back(n, wheel->elapsed()); }
};

TEST(timer_wheel, fires_in_order_across_levels) {
    timer_wheel w;
    // One deadline per level, and a few in between, inserted out of order.
    std::vector<std::uint64_t> deadlines = {
        1, 63, 64, 65, 4095, 4096, 4097, 262'143, 262'144, 16'777'216, 1'073'741'824, 68'719'476'735, 10, 3};
    std::vector<timer_node> nodes(deadlines.size());
    for (std::size_t i = 0; i < nodes.size(); ++i) w.insert(&nodes[i], deadlines[i]);
    EXPECT_EQ(w.size(), deadlines.size());
    recorder r{{}, &w};
    std::uint64_t last = 0;
    while (auto next = w.next_expiration()) {
        ASSERT_GT(*next, last - (last ? 1 : 0));
        w.advance(*next, r);
        last = *next;
    }
    ASSERT_EQ(r.fired.size(), deadlines.size());
    for (std::size_t i = 0; i < r.fired.size(); ++i) {
        EXPECT_EQ(r.fired[i].first->deadline, r.fired[i].second);  // exactly on time
        if (i) {
            EXPECT_LE(r.fired[i - 1].second, r.fired[i].second);
        }
    }
    EXPECT_TRUE(w.empty());
}

TEST(timer_wheel, remove_at_every_level) {
    timer_wheel w(1000);
    std::vector<std::uint64_t> deltas = {1, 100, 5'000, 300'000, 20'000'000, 2'000'000'000, 70'000'000'000};
    std::vector<timer_node> keep(deltas.size()), drop(deltas.size());
    for (std::size_t i = 0; i < deltas.size(); ++i) {
        w.insert(&keep[i], 1000 + deltas[i]);
        w.insert(&drop[i], 1000 + deltas[i]);
    }
    for (auto& n : drop) EXPECT_TRUE(w.remove(&n));
    for (auto& n : drop) EXPECT_FALSE(w.remove(&n));  // once
    recorder r{{}, &w};
    w.advance(1000 + 80'000'000'000, r);
    ASSERT_EQ(r.fired.size(), deltas.size());
    for (auto& [n, at] : r.fired) {
        EXPECT_GE(at, n->deadline);
        bool is_kept = n >= &keep.front() && n <= &keep.back();
        EXPECT_TRUE(is_kept);
    }
}

TEST(timer_wheel, past_deadlines_fire_at_the_next_advance) {
    timer_wheel w(500);
    timer_node a, b;
    w.insert(&a, 10);   // long past
    w.insert(&b, 500);  // now
    EXPECT_EQ(w.next_expiration(), 500u);
    recorder r{{}, &w};
    w.advance(500, r);
    EXPECT_EQ(r.fired.size(), 2u);
    EXPECT_FALSE(a.linked);
}

TEST(timer_wheel, re_arm_from_the_callback) {
    timer_wheel w;
    timer_node n;
    int fired = 0;
    w.insert(&n, 5);
    for (std::uint64_t t = 0; t <= 50; ++t)
        w.advance(t, [&](timer_node* x) {
            ++fired;
            if (fired < 5) w.insert(x, w.elapsed() + 10);
        });
    EXPECT_EQ(fired, 5);  // at 5, 15, 25, 35, 45
    EXPECT_TRUE(w.empty());
}

TEST(timer_wheel, deadlines_beyond_the_range_wait_their_turn) {
    timer_wheel w;
    timer_node far, farther;
    w.insert(&far, timer_wheel::range + 12'345);
    w.insert(&farther, 3 * timer_wheel::range + 7);
    recorder r{{}, &w};
    std::uint64_t steps = 0;
    while (auto next = w.next_expiration()) {
        ASSERT_LT(++steps, 1000u) << "no progress";
        w.advance(*next, r);
    }
    ASSERT_EQ(r.fired.size(), 2u);
    EXPECT_EQ(r.fired[0].second, timer_wheel::range + 12'345);
    EXPECT_EQ(r.fired[1].second, 3 * timer_wheel::range + 7);
}

// A million timers, random deadlines over every level (and past the range), a third of
// them removed at random moments; time advances in random jumps. Reference: a multimap.
TEST(timer_wheel, a_million_random_timers_against_a_reference) {
    std::mt19937_64 rng(12345);
    timer_wheel w;
    constexpr std::size_t n = 1'000'000;
    std::vector<timer_node> nodes(n);
    std::vector<std::uint8_t> state(n, 0);  // 0 armed, 1 removed, 2 fired
    std::multimap<std::uint64_t, std::size_t> reference;
    auto random_delta = [&] {
        switch (rng() % 6) {
            case 0:
                return rng() % 64;
            case 1:
                return rng() % 4096;
            case 2:
                return rng() % 262'144;
            case 3:
                return rng() % 16'777'216;
            case 4:
                return rng() % (std::uint64_t{1} << 34);
            default:
                return rng() % (timer_wheel::range * 2);
        }
    };
    std::size_t inserted = 0;
    std::uint64_t now = 0;
    std::size_t fired = 0;
    auto fire = [&](timer_node* x) {
        auto i = static_cast<std::size_t>(x - nodes.data());
        ASSERT_EQ(state[i], 0) << "timer " << i << " fired twice or after removal";
        ASSERT_LE(x->deadline, now) << "fired early";
        state[i] = 2;
        ++fired;
    };
    while (inserted < n || !w.empty()) {
        // Insert a batch, remove a few, then jump ahead.
        for (int k = 0; k < 1000 && inserted < n; ++k, ++inserted) {
            std::uint64_t d = now + random_delta();
            w.insert(&nodes[inserted], d);
            reference.emplace(d, inserted);
        }
        for (int k = 0; k < 300 && inserted > 0; ++k) {
            std::size_t i = rng() % inserted;
            if (state[i] == 0) {
                ASSERT_TRUE(w.remove(&nodes[i]));
                state[i] = 1;
            }
        }
        std::uint64_t jump = inserted < n ? rng() % 100'000 : (w.next_expiration().value_or(now) - now) + rng() % 1000;
        now += jump;
        w.advance(now, fire);
        // Everything the reference says is due and not removed must have fired by now.
        for (auto it = reference.begin(); it != reference.end() && it->first <= now;) {
            ASSERT_NE(state[it->second], 0)
                << "timer " << it->second << " due at " << it->first << " not fired at " << now << " (level "
                << int(nodes[it->second].level) << ", slot " << int(nodes[it->second].slot) << ", linked "
                << nodes[it->second].linked << ", due " << nodes[it->second].due << ", elapsed " << w.elapsed()
                << ", next " << w.next_expiration().value_or(0) << ")";
            it = reference.erase(it);
        }
    }
    std::size_t removed = 0;
    for (auto s : state) removed += s == 1;
    EXPECT_EQ(fired + removed, n);
    EXPECT_GT(removed, n / 10);
}

}  // namespace
