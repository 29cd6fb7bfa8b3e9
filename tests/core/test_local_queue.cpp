// local_queue: FIFO order for the owner, overflow halves, and concurrent stealing that
// hands every item out exactly once.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

#include "local_queue.hpp"

namespace {

using weft::detail::local_queue;

void* item(std::uintptr_t i) { return reinterpret_cast<void*>(i); }
std::uintptr_t id(void* p) { return reinterpret_cast<std::uintptr_t>(p); }

TEST(local_queue, owner_push_pop_is_fifo_and_bounded) {
    local_queue q(16);
    for (std::uintptr_t i = 1; i <= 16; ++i) ASSERT_TRUE(q.push(item(i)));
    EXPECT_FALSE(q.push(item(17)));
    EXPECT_EQ(q.size(), 16u);
    for (std::uintptr_t i = 1; i <= 16; ++i) EXPECT_EQ(id(q.pop()), i);
    EXPECT_EQ(q.pop(), nullptr);
    EXPECT_TRUE(q.empty());
}

TEST(local_queue, take_half_takes_the_oldest_half) {
    local_queue q(16);
    for (std::uintptr_t i = 1; i <= 16; ++i) q.push(item(i));
    void* out[16];
    ASSERT_EQ(q.take_half(out), 8u);
    for (std::uintptr_t i = 0; i < 8; ++i) EXPECT_EQ(id(out[i]), i + 1);
    EXPECT_EQ(id(q.pop()), 9u);
}

TEST(local_queue, steal_takes_half_rounded_up) {
    local_queue victim(16), thief(16);
    for (std::uintptr_t i = 1; i <= 5; ++i) victim.push(item(i));
    void* got = victim.steal_into(thief);
    EXPECT_EQ(id(got), 3u);  // items 1..3 moved; the last one is returned to run
    EXPECT_EQ(thief.size(), 2u);
    EXPECT_EQ(victim.size(), 2u);
    EXPECT_EQ(id(thief.pop()), 1u);
    EXPECT_EQ(id(victim.pop()), 4u);
    local_queue empty(16);
    EXPECT_EQ(empty.steal_into(thief), nullptr);
}

// One owner pushes and pops while three thieves steal: every item is seen exactly once.
TEST(local_queue, concurrent_steals_hand_out_each_item_once) {
    constexpr std::uintptr_t total = 400'000;
    local_queue owner(256);
    std::vector<std::atomic<std::uint8_t>> seen(total + 1);
    std::atomic<bool> done{false};
    std::atomic<std::uint64_t> taken{0};
    auto consume = [&](void* p) {
        ASSERT_NE(p, nullptr);
        ASSERT_EQ(seen[id(p)].fetch_add(1), 0) << "item " << id(p) << " handed out twice";
        taken.fetch_add(1);
    };
    std::vector<std::thread> thieves;
    for (int t = 0; t < 3; ++t) {
        thieves.emplace_back([&] {
            local_queue mine(256);
            while (!done.load() || !owner.empty()) {
                if (void* p = owner.steal_into(mine)) {
                    consume(p);
                    while (void* q = mine.pop()) consume(q);
                } else {
                    std::this_thread::yield();
                }
            }
        });
    }
    std::uintptr_t next = 1;
    while (next <= total) {
        if (!owner.push(item(next))) {
            if (void* p = owner.pop()) consume(p);
            continue;
        }
        ++next;
        if (next % 3 == 0)
            if (void* p = owner.pop()) consume(p);
    }
    while (void* p = owner.pop()) consume(p);
    done.store(true);
    for (auto& t : thieves) t.join();
    EXPECT_EQ(taken.load(), total);
}

}  // namespace
