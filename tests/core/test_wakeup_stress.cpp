// No lost wake-ups: work that arrives just as workers park must still run. Each loop is
// bounded (iterations and a deadline); a lost wake-up shows up as a stuck round.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include <weft/runtime.hpp>

#include "test_support.hpp"

namespace {

using namespace std::chrono_literals;

using weft::test::workers;

weft::task<> bump(std::atomic<int>* c) {
    c->fetch_add(1, std::memory_order_release);
    co_return;
}

// Waits (from a foreign thread) until *c reaches n; false after 5 s.
bool wait_for(const std::atomic<int>& c, int n) {
    auto deadline = std::chrono::steady_clock::now() + 5s;
    while (c.load(std::memory_order_acquire) < n) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        std::this_thread::yield();
    }
    return true;
}

TEST(wakeup_stress, foreign_spawns_while_workers_park) {
    for (std::uint32_t n : {1u, 2u, 4u}) {
        weft::runtime rt(workers(n));
        std::atomic<int> c{0};
        for (int i = 1; i <= 20'000; ++i) {
            rt.spawn(bump(&c)).detach();
            ASSERT_TRUE(wait_for(c, i)) << "lost wake-up at round " << i << " with " << n << " workers";
            // Every few rounds give the workers time to fall asleep first.
            if (i % 64 == 0) std::this_thread::sleep_for(50us);
        }
    }
}

// A chain where each task spawns the next from a worker: the spawning worker then goes
// idle and parks right as the next task becomes runnable.
weft::task<> chain(int left, std::atomic<int>* c) {
    c->fetch_add(1, std::memory_order_release);
    if (left > 0) weft::spawn(chain(left - 1, c)).detach();
    co_return;
}

TEST(wakeup_stress, worker_spawns_while_others_park) {
    for (std::uint32_t n : {2u, 4u}) {
        weft::runtime rt(workers(n));
        for (int round = 0; round < 200; ++round) {
            std::atomic<int> c{0};
            rt.spawn(chain(200, &c)).detach();
            ASSERT_TRUE(wait_for(c, 201)) << "lost wake-up in round " << round;
        }
    }
}

// Bursts from several foreign threads at once, with pauses so the pool parks in between.
TEST(wakeup_stress, bursts_from_many_threads) {
    weft::runtime rt(workers(2));
    std::atomic<int> c{0};
    constexpr int threads = 8, rounds = 200, per_round = 10;
    std::vector<std::thread> ts;
    for (int t = 0; t < threads; ++t) {
        ts.emplace_back([&] {
            for (int r = 0; r < rounds; ++r) {
                for (int i = 0; i < per_round; ++i) rt.spawn(bump(&c)).detach();
                std::this_thread::sleep_for(20us);
            }
        });
    }
    for (auto& t : ts) t.join();
    EXPECT_TRUE(wait_for(c, threads * rounds * per_round));
}

}  // namespace
