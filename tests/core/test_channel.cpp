// channel<T>: FIFO delivery, back-pressure, close semantics, many producers and consumers
// across workers with exactly-once delivery.
#include <gtest/gtest.h>

#include <atomic>
#include <vector>

#include <weft/channel.hpp>
#include <weft/runtime.hpp>
#include <weft/when_all.hpp>

#include "test_support.hpp"

namespace {

using weft::test::workers;

weft::task<bool> basics() {
    weft::channel<int> ch(2);
    co_await ch.send(1);
    co_await ch.send(2);
    bool full = !ch.try_send(3);
    auto a = co_await ch.recv();
    auto b = ch.try_recv();
    bool empty = !ch.try_recv().has_value();
    ch.close();
    bool send_fails = false;
    try {
        co_await ch.send(4);
    } catch (const weft::error&) {
        send_fails = true;
    }
    auto end = co_await ch.recv();
    co_return (full && *a == 1 && *b == 2 && empty && send_fails && !end && !ch.try_send(5));
}

TEST(channel, send_recv_try_and_close) {
    weft::runtime rt(workers(1));
    EXPECT_TRUE(rt.block_on(basics()));
    EXPECT_THROW(weft::channel<int>(0), weft::error);
}

weft::task<> produce(weft::channel<int>* ch, int from, int count) {
    for (int i = 0; i < count; ++i) co_await ch->send(from + i);
}

weft::task<long> consume(weft::channel<int>* ch, std::vector<std::atomic<std::uint8_t>>* seen) {
    long n = 0;
    while (auto v = co_await ch->recv()) {
        (*seen)[static_cast<std::size_t>(*v)].fetch_add(1);
        ++n;
    }
    co_return n;
}

weft::task<long> many_to_many(std::vector<std::atomic<std::uint8_t>>* seen) {
    weft::channel<int> ch(4);
    constexpr int producers = 4, per = 25'000;
    std::vector<weft::join_handle<long>> consumers;
    for (int i = 0; i < 4; ++i) consumers.push_back(weft::spawn(consume(&ch, seen)));
    std::vector<weft::task<>> ps;
    for (int p = 0; p < producers; ++p) ps.push_back(produce(&ch, p * per, per));
    co_await weft::when_all(std::move(ps));
    ch.close();  // consumers drain what is left, then see the end
    long total = 0;
    for (auto& c : consumers) total += co_await c;
    co_return total;
}

TEST(channel, many_producers_and_consumers_deliver_exactly_once) {
    for (std::uint32_t n : {1u, 2u, 4u}) {
        weft::runtime rt(workers(n));
        std::vector<std::atomic<std::uint8_t>> seen(100'000);
        EXPECT_EQ(rt.block_on(many_to_many(&seen)), 100'000);
        for (auto& s : seen) ASSERT_EQ(s.load(), 1);
    }
}

weft::task<bool> fifo_order() {
    weft::channel<int> ch(1);
    auto p = weft::spawn(produce(&ch, 0, 1000));
    for (int i = 0; i < 1000; ++i) {
        auto v = co_await ch.recv();
        if (!v || *v != i) co_return false;
    }
    co_await p;
    co_return true;
}

TEST(channel, single_producer_order_is_kept) {
    weft::runtime rt(workers(2));
    EXPECT_TRUE(rt.block_on(fifo_order()));
}

}  // namespace
