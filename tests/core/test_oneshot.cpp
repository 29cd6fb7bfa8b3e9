// oneshot<T>: one value, from any thread, to a waiting or later receiver; a second send and
// a close without a value fail; a cancelled receiver leaves the value for the next one.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include <weft/oneshot.hpp>
#include <weft/runtime.hpp>
#include <weft/timeout.hpp>

#include "sync_test_support.hpp"

namespace {

using namespace std::chrono_literals;
using weft::test::workers;

weft::task<std::string> receive(weft::oneshot<std::string>* o, std::atomic<int>* waiting) {
    waiting->fetch_add(1);
    co_return co_await o->recv();
}

TEST(oneshot, a_value_sent_from_another_thread_reaches_the_waiting_receiver) {
    weft::runtime rt(workers(2));
    weft::oneshot<std::string> o;
    std::atomic<int> waiting{0};
    auto h = rt.spawn(receive(&o, &waiting));
    ASSERT_TRUE(weft::test::wait_until([&] { return waiting.load() == 1; }));
    o.send("hello");
    EXPECT_EQ(rt.block_on(weft::test::join(&h)), "hello");
    EXPECT_THROW(o.send("again"), weft::channel_closed_error);
}

weft::task<bool> send_first_then_receive() {
    weft::oneshot<int> o;
    o.send(7);
    int v = co_await o.recv();
    bool second_fails = false;
    try {
        co_await o.recv();  // the value was taken
    } catch (const weft::channel_closed_error&) {
        second_fails = true;
    }
    weft::oneshot<int> abandoned;
    abandoned.close();
    bool closed_fails = false;
    try {
        co_await abandoned.recv();
    } catch (const weft::channel_closed_error&) {
        closed_fails = true;
    }
    co_return (v == 7 && second_fails && closed_fails && !abandoned.try_recv());
}

TEST(oneshot, send_before_recv_a_second_recv_and_close_without_a_value) {
    weft::runtime rt(workers(1));
    EXPECT_TRUE(rt.block_on(send_first_then_receive()));
}

weft::task<int> recv_int(weft::oneshot<int>* o) { co_return co_await o->recv(); }

weft::task<int> recv_or_timeout(weft::oneshot<int>* o, std::atomic<int>* waiting) {
    waiting->fetch_add(1);
    try {
        co_return co_await weft::timeout(1s, recv_int(o));
    } catch (const weft::timeout_error&) {
        co_return -1;
    }
}

TEST(oneshot, a_cancelled_receiver_leaves_the_value_for_the_next) {
    weft::runtime rt(weft::test::paused(2));
    weft::oneshot<int> o;
    std::atomic<int> waiting{0};
    auto h = rt.spawn(recv_or_timeout(&o, &waiting));
    ASSERT_TRUE(weft::test::wait_until([&] { return waiting.load() == 1; }));
    ASSERT_TRUE(weft::test::advance_until(rt, 1s, [&] { return h.is_finished(); }));
    EXPECT_EQ(rt.block_on(weft::test::join(&h)), -1);
    o.send(3);
    EXPECT_EQ(o.try_recv(), 3);
}

}  // namespace
