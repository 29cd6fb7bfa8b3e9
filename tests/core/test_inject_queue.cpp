// inject_queue: FIFO order across wrap-around and growth, batch operations, shrinking (and
// unmapping) after a burst drains, close_and_drain, and concurrent producers and consumers
// that see every item exactly once.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

#include "inject_queue.hpp"

namespace {

using weft::detail::inject_queue;

void* item(std::uintptr_t i) { return reinterpret_cast<void*>(i); }
std::uintptr_t id(void* p) { return reinterpret_cast<std::uintptr_t>(p); }

constexpr std::size_t min_cap = inject_queue::min_capacity;
// The first capacity that is mapped rather than allocated with new[].
constexpr std::size_t mapped_cap = inject_queue::map_threshold / sizeof(void*);

TEST(inject_queue, wraps_around_without_growing) {
    inject_queue q;
    EXPECT_TRUE(q.empty());
    EXPECT_EQ(q.capacity(), 0u);  // nothing allocated before the first push
    std::uintptr_t next_in = 1, next_out = 1;
    void* out[100];
    // Keep ~300 items queued while pushing 10 rings' worth: head and tail wrap many times.
    for (int round = 0; round < 50; ++round) {
        for (int i = 0; i < 100; ++i) ASSERT_TRUE(q.push(item(next_in++)));
        if (round < 3) continue;
        ASSERT_EQ(q.pop_batch(out, 100), 100u);
        for (void* p : out) ASSERT_EQ(id(p), next_out++);
    }
    EXPECT_EQ(q.capacity(), min_cap);
    EXPECT_EQ(q.size(), next_in - next_out);
}

TEST(inject_queue, grows_by_doubling_and_keeps_order_when_wrapped) {
    inject_queue q;
    void* out[min_cap];
    // Move head to the middle of the ring, then fill it so that the items wrap.
    for (std::uintptr_t i = 0; i < min_cap / 2; ++i) q.push(item(0));
    ASSERT_EQ(q.pop_batch(out, min_cap / 2), min_cap / 2);
    for (std::uintptr_t i = 1; i <= min_cap; ++i) q.push(item(i));
    EXPECT_EQ(q.capacity(), min_cap);
    q.push(item(min_cap + 1));  // one more: doubles
    EXPECT_EQ(q.capacity(), 2 * min_cap);
    std::vector<void*> more;
    for (std::uintptr_t i = min_cap + 2; i <= 5 * min_cap; ++i) more.push_back(item(i));
    q.push_batch(more.data(), more.size());  // needs 5x: doubles until it fits
    EXPECT_EQ(q.capacity(), 8 * min_cap);
    EXPECT_EQ(q.size(), 5 * min_cap);
    std::uintptr_t expect = 1;
    while (std::size_t n = q.pop_batch(out, 77))
        for (std::size_t i = 0; i < n; ++i) ASSERT_EQ(id(out[i]), expect++);
    EXPECT_EQ(expect, 5 * min_cap + 1);
}

TEST(inject_queue, push_batch_wraps_and_pop_batch_takes_what_there_is) {
    inject_queue q;
    void* out[min_cap];
    for (std::uintptr_t i = 0; i < min_cap - 10; ++i) q.push(item(0));
    ASSERT_EQ(q.pop_batch(out, min_cap), min_cap - 10);  // head is 10 slots before the end
    std::vector<void*> batch;
    for (std::uintptr_t i = 1; i <= 30; ++i) batch.push_back(item(i));
    q.push_batch(batch.data(), batch.size());  // 10 at the end, 20 at the start
    EXPECT_EQ(q.capacity(), min_cap);
    ASSERT_EQ(q.pop_batch(out, 5), 5u);
    for (std::uintptr_t i = 0; i < 5; ++i) EXPECT_EQ(id(out[i]), i + 1);
    ASSERT_EQ(q.pop_batch(out, 100), 25u);  // spans the wrap
    for (std::uintptr_t i = 0; i < 25; ++i) EXPECT_EQ(id(out[i]), i + 6);
    EXPECT_EQ(q.pop_batch(out, 100), 0u);
    q.push_batch(batch.data(), 0);
    EXPECT_TRUE(q.empty());
}

// A burst of a million (as when one worker spawns 1M tasks) maps a large ring; draining it
// shrinks the ring step by step and ends on the smallest one, the mappings given back.
TEST(inject_queue, shrinks_and_gives_back_after_a_burst_drains) {
    inject_queue q;
    constexpr std::uintptr_t total = 1'000'000;
    std::vector<void*> batch;
    for (std::uintptr_t i = 1; i <= total; i += 129) {
        batch.clear();
        for (std::uintptr_t j = i; j < i + 129 && j <= total; ++j) batch.push_back(item(j));
        q.push_batch(batch.data(), batch.size());
    }
    EXPECT_EQ(q.capacity(), std::size_t{1} << 20);
    std::uintptr_t expect = 1;
    std::size_t last_cap = q.capacity(), shrinks = 0;
    void* out[128];
    while (std::size_t n = q.pop_batch(out, 128)) {
        for (std::size_t i = 0; i < n; ++i) ASSERT_EQ(id(out[i]), expect++);
        std::size_t cap = q.capacity();
        if (cap != last_cap) {
            ASSERT_LT(cap, last_cap);
            ASSERT_LE(q.size(), cap / 2);  // the new ring is at most half full
            ++shrinks;
            last_cap = cap;
        }
        // A mapped ring is never left less than a quarter full.
        if (cap >= mapped_cap) {
            ASSERT_GT(q.size(), cap / 4);
        }
    }
    EXPECT_EQ(expect, total + 1);
    EXPECT_GE(shrinks, 7u);
    EXPECT_LE(q.capacity(), mapped_cap / 2);  // back on new[] memory
    // Refill and drain to empty: the ring returns to the smallest size.
    for (std::uintptr_t i = 0; i < 10 * mapped_cap; ++i) q.push(item(i + 1));
    EXPECT_GE(q.capacity(), 10 * mapped_cap);
    while (q.pop_batch(out, 128) != 0) {
    }
    EXPECT_EQ(q.capacity(), min_cap);
    EXPECT_TRUE(q.empty());
}

TEST(inject_queue, close_and_drain_returns_items_in_order_and_refuses_pushes) {
    inject_queue q;
    void* out[min_cap];
    for (std::uintptr_t i = 0; i < 300; ++i) q.push(item(0));
    q.pop_batch(out, 300);
    for (std::uintptr_t i = 1; i <= 1000; ++i) q.push(item(i));  // wrapped, then grown
    std::vector<void*> left = q.close_and_drain();
    ASSERT_EQ(left.size(), 1000u);
    for (std::uintptr_t i = 0; i < 1000; ++i) EXPECT_EQ(id(left[i]), i + 1);
    EXPECT_TRUE(q.empty());
    EXPECT_EQ(q.capacity(), 0u);
    EXPECT_FALSE(q.push(item(1)));
    EXPECT_EQ(q.pop_batch(out, 10), 0u);
    EXPECT_TRUE(q.close_and_drain().empty());
}

// Two producers (single pushes and batches) and two consumers: every item is popped once,
// and each producer's items come out in the order it pushed them.
TEST(inject_queue, concurrent_producers_and_consumers_see_each_item_once) {
    constexpr std::uintptr_t per_producer = 200'000;
    inject_queue q;
    std::vector<std::atomic<std::uint8_t>> seen(2 * per_producer + 1);
    std::atomic<std::uint64_t> taken{0};
    auto produce = [&](std::uintptr_t base, bool batched) {
        std::vector<void*> batch;
        for (std::uintptr_t i = 1; i <= per_producer; ++i) {
            if (!batched) {
                ASSERT_TRUE(q.push(item(base + i)));
                continue;
            }
            batch.push_back(item(base + i));
            if (batch.size() == 129 || i == per_producer) {
                q.push_batch(batch.data(), batch.size());
                batch.clear();
            }
        }
    };
    auto consume = [&] {
        std::uintptr_t last[2] = {0, 0};
        void* out[64];
        while (taken.load() < 2 * per_producer) {
            std::size_t n = q.pop_batch(out, 1 + taken.load() % 64);
            for (std::size_t i = 0; i < n; ++i) {
                std::uintptr_t v = id(out[i]);
                ASSERT_EQ(seen[v].fetch_add(1), 0) << "item " << v << " popped twice";
                std::uintptr_t who = v > per_producer;
                ASSERT_GT(v, last[who]) << "a producer's items came out of order";
                last[who] = v;
            }
            taken.fetch_add(n);
        }
    };
    std::thread c1(consume), c2(consume);
    std::thread p1(produce, 0, false), p2(produce, per_producer, true);
    p1.join();
    p2.join();
    c1.join();
    c2.join();
    EXPECT_EQ(taken.load(), 2 * per_producer);
    EXPECT_TRUE(q.empty());
    EXPECT_TRUE(std::all_of(seen.begin() + 1, seen.end(), [](auto& s) { return s.load() == 1; }));
}

}  // namespace
