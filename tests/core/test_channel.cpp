// channel<T>: FIFO delivery, back-pressure, bounded and unbounded, close semantics (drain,
// then end-of-stream; senders fail), cancellation of waiting senders and receivers, many
// producers and consumers across workers with exactly-once delivery.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <limits>
#include <thread>
#include <vector>

#include <weft/channel.hpp>
#include <weft/runtime.hpp>
#include <weft/timeout.hpp>
#include <weft/when_all.hpp>

#include "sync_test_support.hpp"

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

namespace {

using namespace std::chrono_literals;

weft::task<bool> unbounded_never_waits() {
    weft::channel<int> ch(weft::unbounded);
    for (int i = 0; i < 10'000; ++i) co_await ch.send(i);  // would block forever if bounded
    bool all_fit = ch.size() == 10'000 && ch.try_send(10'000);
    ch.close();
    int expect = 0;
    while (auto v = co_await ch.recv()) {  // drains everything, then end-of-stream
        if (*v != expect++) co_return false;
    }
    co_return (all_fit && expect == 10'001);
}

TEST(channel, unbounded_send_never_waits_and_close_drains) {
    weft::runtime rt(workers(1));
    EXPECT_TRUE(rt.block_on(unbounded_never_waits()));
    weft::channel<int> ch(weft::unbounded);
    EXPECT_EQ(ch.capacity(), std::numeric_limits<std::size_t>::max());
}

weft::task<> blocked_send(weft::channel<int>* ch, int v, std::atomic<int>* waiting, std::atomic<int>* closed) {
    waiting->fetch_add(1);
    try {
        co_await ch->send(v);
    } catch (const weft::channel_closed_error&) {
        closed->fetch_add(1);
    }
}

weft::task<std::optional<int>> blocked_recv(weft::channel<int>* ch, std::atomic<int>* waiting) {
    waiting->fetch_add(1);
    co_return co_await ch->recv();
}

weft::task<bool> close_wakes_everyone() {
    weft::channel<int> full(1), empty(1);
    co_await full.send(0);
    std::atomic<int> waiting{0}, closed{0};
    std::vector<weft::join_handle<>> senders;
    std::vector<weft::join_handle<std::optional<int>>> receivers;
    for (int i = 0; i < 3; ++i) senders.push_back(weft::spawn(blocked_send(&full, i + 1, &waiting, &closed)));
    for (int i = 0; i < 3; ++i) receivers.push_back(weft::spawn(blocked_recv(&empty, &waiting)));
    if (!co_await weft::test::yield_until([&] { return waiting.load() == 6; })) co_return false;
    for (int k = 0; k < 20; ++k) co_await weft::yield_now();
    full.close();
    empty.close();
    for (auto& s : senders) co_await s;
    bool ended = true;
    for (auto& r : receivers) ended = ended && !(co_await r).has_value();
    auto left = co_await full.recv();  // the buffered item survives the close
    auto end = co_await full.recv();
    co_return (closed.load() == 3 && ended && left == 0 && !end);
}

TEST(channel, close_fails_waiting_senders_ends_waiting_receivers_and_keeps_the_buffer) {
    for (std::uint32_t n : {1u, 2u}) {
        weft::runtime rt(workers(n));
        EXPECT_TRUE(rt.block_on(close_wakes_everyone()));
    }
}

weft::task<std::optional<int>> recv_once(weft::channel<int>* ch) { co_return co_await ch->recv(); }
weft::task<> send_once(weft::channel<int>* ch, int v) { co_await ch->send(v); }

weft::task<int> recv_or_timeout(weft::channel<int>* ch, std::atomic<int>* waiting) {
    waiting->fetch_add(1);
    try {
        auto v = co_await weft::timeout(1s, recv_once(ch));
        co_return v ? *v : -2;
    } catch (const weft::timeout_error&) {
        co_return -1;
    }
}

weft::task<int> send_or_timeout(weft::channel<int>* ch, int v, std::atomic<int>* waiting) {
    waiting->fetch_add(1);
    try {
        co_await weft::timeout(1s, send_once(ch, v));
    } catch (const weft::timeout_error&) {
        co_return -1;
    }
    co_return v;
}

TEST(channel, cancelled_receivers_and_senders_leave_no_trace) {
    weft::runtime rt(weft::test::paused(2));
    std::atomic<int> waiting{0};
    {
        weft::channel<int> ch(1);
        auto r = rt.spawn(recv_or_timeout(&ch, &waiting));
        ASSERT_TRUE(weft::test::wait_until([&] { return waiting.load() == 1; }));
        ASSERT_TRUE(weft::test::advance_until(rt, 1s, [&] { return r.is_finished(); }));
        EXPECT_EQ(rt.block_on(weft::test::join(&r)), -1);
        // The cancelled receiver is gone: the item is buffered, not handed to it.
        EXPECT_TRUE(ch.try_send(5));
        EXPECT_EQ(ch.try_recv(), 5);
    }
    {
        weft::channel<int> ch(1);
        EXPECT_TRUE(ch.try_send(1));
        auto s = rt.spawn(send_or_timeout(&ch, 2, &waiting));
        ASSERT_TRUE(weft::test::wait_until([&] { return waiting.load() == 2; }));
        ASSERT_TRUE(weft::test::advance_until(rt, 1s, [&] { return s.is_finished(); }));
        EXPECT_EQ(rt.block_on(weft::test::join(&s)), -1);
        // The cancelled sender's item was never queued.
        EXPECT_EQ(ch.try_recv(), 1);
        EXPECT_FALSE(ch.try_recv().has_value());
    }
}

weft::task<> recv_into(weft::channel<int>* ch, int id, std::vector<int>* got, std::atomic<int>* waiting) {
    waiting->fetch_add(1);
    auto v = co_await ch->recv();
    (*got)[static_cast<std::size_t>(id)] = v.value_or(-1);
}

weft::task<bool> receivers_served_fifo() {
    weft::channel<int> ch(1);
    std::vector<int> got(10, -1);
    std::atomic<int> waiting{0};
    std::vector<weft::join_handle<>> hs;
    for (int i = 0; i < 10; ++i) {
        hs.push_back(weft::spawn(recv_into(&ch, i, &got, &waiting)));
        if (!co_await weft::test::yield_until([&] { return waiting.load() == i + 1; })) co_return false;
        for (int k = 0; k < 10; ++k) co_await weft::yield_now();
    }
    for (int i = 0; i < 10; ++i) co_await ch.send(i * 10);
    for (auto& h : hs) co_await h;
    for (int i = 0; i < 10; ++i)
        if (got[static_cast<std::size_t>(i)] != i * 10) co_return false;
    co_return true;
}

TEST(channel, waiting_receivers_are_served_in_fifo_order) {
    weft::runtime rt(workers(1));
    EXPECT_TRUE(rt.block_on(receivers_served_fifo()));
}

weft::task<long> many_to_many_unbounded(std::vector<std::atomic<std::uint8_t>>* seen) {
    weft::channel<int> ch(weft::unbounded);
    std::vector<weft::join_handle<long>> consumers;
    for (int i = 0; i < 3; ++i) consumers.push_back(weft::spawn(consume(&ch, seen)));
    std::vector<weft::task<>> ps;
    for (int p = 0; p < 4; ++p) ps.push_back(produce(&ch, p * 10'000, 10'000));
    co_await weft::when_all(std::move(ps));
    ch.close();
    long total = 0;
    for (auto& c : consumers) total += co_await c;
    co_return total;
}

TEST(channel, unbounded_many_producers_and_consumers_deliver_exactly_once) {
    for (std::uint32_t n : {1u, 2u, 4u}) {
        weft::runtime rt(workers(n));
        std::vector<std::atomic<std::uint8_t>> seen(40'000);
        EXPECT_EQ(rt.block_on(many_to_many_unbounded(&seen)), 40'000);
        for (auto& s : seen) ASSERT_EQ(s.load(), 1);
    }
}

}  // namespace
