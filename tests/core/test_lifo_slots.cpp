// lifo_slots: newest first for the owner, eviction of the oldest when full, take-back of a
// given task, and thieves that never get a task the owner also got.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

#include "lifo_slots.hpp"

namespace {

using weft::detail::lifo_slots;

void* item(std::uintptr_t i) { return reinterpret_cast<void*>(i << 1); }
std::uintptr_t id(void* p) { return reinterpret_cast<std::uintptr_t>(p) >> 1; }

TEST(lifo_slots, newest_first_and_eviction_of_the_oldest) {
    lifo_slots s;
    for (std::uintptr_t i = 1; i <= lifo_slots::slots; ++i) EXPECT_EQ(s.push(item(i)), nullptr);
    EXPECT_EQ(id(s.push(item(100))), 1u);  // full: the oldest makes room
    EXPECT_EQ(id(s.pop()), 100u);
    for (std::uintptr_t i = lifo_slots::slots; i >= 2; --i) EXPECT_EQ(id(s.pop()), i);
    EXPECT_EQ(s.pop(), nullptr);
    EXPECT_FALSE(s.has_work());
}

TEST(lifo_slots, take_back_a_given_task) {
    lifo_slots s;
    s.push(item(1));
    s.push(item(2));
    s.push(item(3));
    EXPECT_TRUE(s.take(item(2)));
    EXPECT_FALSE(s.take(item(2)));  // once
    EXPECT_FALSE(s.take(item(9)));
    EXPECT_EQ(id(s.pop()), 3u);
    EXPECT_EQ(id(s.pop()), 1u);
    EXPECT_EQ(s.pop(), nullptr);
}

// The owner pushes, pops and takes back while two thieves steal: every task is taken by
// exactly one of them.
TEST(lifo_slots, thieves_and_owner_never_share_a_task) {
    constexpr std::uintptr_t total = 200'000;
    lifo_slots s;
    std::vector<std::atomic<std::uint8_t>> seen(total + 1);
    std::atomic<bool> done{false};
    auto mark = [&](void* p) { ASSERT_EQ(seen[id(p)].fetch_add(1), 0) << "task " << id(p) << " taken twice"; };
    std::vector<std::thread> thieves;
    for (int t = 0; t < 2; ++t) {
        thieves.emplace_back([&] {
            while (!done.load())
                if (void* p = s.steal()) mark(p);
        });
    }
    std::vector<void*> evicted;
    for (std::uintptr_t i = 1; i <= total; ++i) {
        if (void* old = s.push(item(i))) mark(old);
        if (i % 3 == 0 && s.take(item(i))) mark(item(i));
        if (i % 5 == 0)
            if (void* p = s.pop()) mark(p);
    }
    while (void* p = s.pop()) mark(p);
    done.store(true);
    for (auto& t : thieves) t.join();
    while (void* p = s.steal()) mark(p);
    for (std::uintptr_t i = 1; i <= total; ++i) ASSERT_EQ(seen[i].load(), 1) << "task " << i << " lost";
}

}  // namespace
