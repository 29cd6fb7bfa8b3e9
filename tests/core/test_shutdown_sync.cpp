// Sync primitives outlive the runtime whose tasks waited on them. Shutdown destroys those
// tasks; each waiter must leave its primitive as it goes (no pointer into a freed frame: ASan
// catches one in CI), and whatever a destroyed task had been handed but never used — a
// permit, a lock, an item, a notification — must come back, so the primitive works as new.
//
// Order matters (the runtime destroys tasks one by one): with one worker, run_then_destroy()
// makes the runtime destroy the tasks in the order given, and each scenario runs in both
// orders, so both paths are covered — the waiter destroyed while still queued, and the
// waiter handed something by another task's destructor and destroyed before it could run.
#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <optional>
#include <vector>

#include <weft/barrier.hpp>
#include <weft/channel.hpp>
#include <weft/condition_variable.hpp>
#include <weft/event.hpp>
#include <weft/latch.hpp>
#include <weft/mutex.hpp>
#include <weft/oneshot.hpp>
#include <weft/queue.hpp>
#include <weft/runtime.hpp>
#include <weft/semaphore.hpp>
#include <weft/shared_mutex.hpp>
#include <weft/task_group.hpp>

#include "sync_test_support.hpp"

namespace {

using weft::test::workers;
using weft::test::yield_until;

// Bumped by each task right before it suspends for good (reset per scenario).
std::atomic<int> waiting{0};

// Spawns each task in turn, the next one only once the previous one waits, then waits
// until `waiting` reaches `total` (some tasks bump it twice). With one worker, tasks are
// registered when they first suspend, and the runtime destroys them at shutdown in that order.
weft::task<bool> start_in_order(std::vector<weft::task<>> ts, int total) {
    int n = 0;
    for (auto& t : ts) {
        const int before = waiting.load();
        weft::spawn(std::move(t)).detach();
        ++n;
        if (!co_await yield_until([&before] { return waiting.load() > before; })) co_return false;
    }
    co_return co_await yield_until([&total] { return waiting.load() >= total; });
}

// Runs the tasks on a fresh one-worker runtime until each of them waits, then destroys it.
void run_then_destroy(std::vector<weft::task<>> ts, int total = 0) {
    waiting = 0;
    weft::runtime rt(workers(1));
    const int n = static_cast<int>(ts.size());
    ASSERT_TRUE(rt.block_on(start_in_order(std::move(ts), total ? total : n)));
}

template <class... Ts>
std::vector<weft::task<>> tasks(Ts... ts) {
    std::vector<weft::task<>> v;
    (v.push_back(std::move(ts)), ...);
    return v;
}

// A task's frame can hold things whose destructors act at shutdown (a lock guard, this).
struct on_destroy {
    std::function<void()> fn;
    ~on_destroy() { fn(); }
};

weft::event forever;  // never set: tasks park on it for good

weft::task<> park() {
    ++waiting;
    co_await forever.wait();
}

// ---- event, latch, barrier: the waiter must leave the list ----

weft::task<> wait_event(weft::event* ev) {
    ++waiting;
    co_await ev->wait();
}

weft::task<> set_later(weft::event* ev) {
    co_await weft::yield_now();
    ev->set();
}

weft::task<> wait_then_set(weft::event* ev) {
    weft::spawn(set_later(ev)).detach();
    co_await ev->wait();
}

TEST(shutdown_sync, event_waiter_leaves_the_event) {
    weft::event ev;
    run_then_destroy(tasks(wait_event(&ev)));
    ev.set();  // would wake a freed frame
    ev.clear();
    weft::runtime rt(workers(1));  // and the event works as new
    rt.block_on(wait_then_set(&ev));
    EXPECT_TRUE(ev.is_set());
}

weft::task<> wait_latch(weft::latch* l) {
    ++waiting;
    co_await l->wait();
}

TEST(shutdown_sync, latch_waiter_leaves_the_latch) {
    weft::latch l(1);
    run_then_destroy(tasks(wait_latch(&l), wait_latch(&l)));
    l.count_down();
    EXPECT_TRUE(l.try_wait());
}

weft::task<> arrive(weft::barrier* b) {
    ++waiting;
    co_await b->arrive_and_wait();
}

weft::task<std::size_t> arrive_and_report(weft::barrier* b) { co_return co_await b->arrive_and_wait(); }

weft::task<bool> full_phase(weft::barrier* b) {
    auto x = weft::spawn(arrive_and_report(b));
    auto y = weft::spawn(arrive_and_report(b));
    std::size_t z = co_await b->arrive_and_wait();
    std::size_t sum = z + co_await x + co_await y;
    co_return sum == 0 + 1 + 2;
}

TEST(shutdown_sync, barrier_waiters_withdraw_their_arrivals) {
    weft::barrier b(3);
    run_then_destroy(tasks(arrive(&b), arrive(&b)));
    EXPECT_EQ(b.n_waiting(), 0u);  // a dead arrival would release the next phase early
    weft::runtime rt(workers(2));
    EXPECT_TRUE(rt.block_on(full_phase(&b)));
}

// ---- semaphore, mutex, shared_mutex: a permit handed to a destroyed task comes back ----

weft::task<> hold_permit(weft::semaphore* s) {
    auto permit = co_await s->scoped_acquire();
    co_await park();
}

weft::task<> wait_permit(weft::semaphore* s) {
    ++waiting;
    co_await s->acquire();
    s->release();  // (never reached)
}

TEST(shutdown_sync, semaphore_permits_come_back_holder_destroyed_first) {
    weft::semaphore s(1);
    // The holder goes first: its guard hands the permit to a waiter, which is destroyed next.
    run_then_destroy(tasks(hold_permit(&s), wait_permit(&s), wait_permit(&s)));
    EXPECT_EQ(s.available(), 1u);
    EXPECT_TRUE(s.try_acquire());
    EXPECT_FALSE(s.try_acquire());
}

// Registered first (on `go`), then queues for a permit once the holder sets `go`.
weft::task<> wait_permit_after(weft::event* go, weft::semaphore* s) {
    ++waiting;
    co_await go->wait();
    ++waiting;
    co_await s->acquire();
    s->release();
}

weft::task<> hold_permit_then_go(weft::semaphore* s, weft::event* go) {
    auto permit = co_await s->scoped_acquire();
    go->set();
    co_await park();
}

TEST(shutdown_sync, semaphore_permits_come_back_waiters_destroyed_first) {
    weft::semaphore s(1);
    weft::event go;
    // The waiter goes first, still queued; the holder's guard must not hand it the permit.
    run_then_destroy(tasks(wait_permit_after(&go, &s), hold_permit_then_go(&s, &go)), 3);
    EXPECT_EQ(s.available(), 1u);
    EXPECT_TRUE(s.try_acquire());
    EXPECT_FALSE(s.try_acquire());
}

weft::task<> hold_lock(weft::mutex* m) {
    auto held = co_await m->scoped_lock();
    co_await park();
}

weft::task<> wait_lock(weft::mutex* m) {
    ++waiting;
    co_await m->lock();
    m->unlock();
}

// Waits on the lock, and is registered before the holder (it waits on `ev` first).
weft::task<> wait_lock_after(weft::event* ev, weft::mutex* m) {
    ++waiting;
    co_await ev->wait();
    ++waiting;
    co_await m->lock();
    m->unlock();
}

TEST(shutdown_sync, mutex_is_unlocked_when_the_holder_goes_first) {
    weft::mutex m;
    run_then_destroy(tasks(hold_lock(&m), wait_lock(&m)));
    EXPECT_FALSE(m.is_locked());
    EXPECT_TRUE(m.try_lock());
    EXPECT_FALSE(m.try_lock());
    m.unlock();
}

weft::task<> lock_then_park(weft::mutex* m, weft::event* go) {
    auto held = co_await m->scoped_lock();
    go->set();  // the waiter (registered first) queues on the lock now
    co_await park();
}

TEST(shutdown_sync, mutex_is_unlocked_when_the_waiter_goes_first) {
    weft::mutex m;
    weft::event go;
    // wait_lock_after registers first (on `go`), then queues on the lock held by the second.
    run_then_destroy(tasks(wait_lock_after(&go, &m), lock_then_park(&m, &go)), 3);
    EXPECT_FALSE(m.is_locked());
    EXPECT_TRUE(m.try_lock());
    EXPECT_FALSE(m.try_lock());
    m.unlock();
}

weft::task<> hold_exclusive(weft::shared_mutex* m) {
    auto w = co_await m->scoped_lock();
    co_await park();
}

weft::task<> hold_shared(weft::shared_mutex* m) {
    auto r = co_await m->scoped_lock_shared();
    co_await park();
}

weft::task<> wait_shared(weft::shared_mutex* m) {
    ++waiting;
    auto r = co_await m->scoped_lock_shared();
}

weft::task<> wait_exclusive(weft::shared_mutex* m) {
    ++waiting;
    auto w = co_await m->scoped_lock();
}

TEST(shutdown_sync, shared_mutex_is_released_by_destroyed_holders_and_grantees) {
    {
        weft::shared_mutex m;  // writer holds; readers and a writer wait, destroyed after it
        run_then_destroy(tasks(hold_exclusive(&m), wait_shared(&m), wait_shared(&m), wait_exclusive(&m)));
        EXPECT_TRUE(m.try_lock());
        EXPECT_FALSE(m.try_lock_shared());
        m.unlock();
    }
    {
        weft::shared_mutex m;  // readers hold; a writer and a reader wait
        run_then_destroy(tasks(hold_shared(&m), hold_shared(&m), wait_exclusive(&m), wait_shared(&m)));
        EXPECT_TRUE(m.try_lock());
        EXPECT_FALSE(m.try_lock_shared());
        m.unlock();
    }
}

// ---- condition_variable ----

weft::task<> wait_cv(weft::condition_variable* cv, weft::mutex* m) {
    auto held = co_await m->scoped_lock();
    ++waiting;
    co_await cv->wait(*m);
}

// Notifies from its destructor at shutdown (after the first waiter was destroyed or not).
weft::task<> notify_on_destroy(weft::condition_variable* cv) {
    on_destroy n{[cv] { cv->notify_one(); }};
    co_await park();
}

// The waiters' guards unlock the mutex when their frames go, although cv.wait() had let go
// of it: the mutex must end up unlocked once, not "unlocked" three times (a count of 3
// would let three tasks in at once).
TEST(shutdown_sync, condition_variable_waiters_leave_and_the_mutex_is_free) {
    weft::condition_variable cv;
    weft::mutex m;
    run_then_destroy(tasks(notify_on_destroy(&cv), wait_cv(&cv, &m), wait_cv(&cv, &m)));
    cv.notify_all();
    EXPECT_TRUE(m.try_lock());
    EXPECT_FALSE(m.try_lock());
    m.unlock();
}

// A third task holds the mutex while the waiters' frames go: their guards must not free it.
weft::task<> hold_lock_last(weft::mutex* m, weft::condition_variable* cv) {
    auto held = co_await m->scoped_lock();
    cv->notify_all();  // both waiters now queue to re-lock
    co_await park();
}

TEST(shutdown_sync, condition_variable_waiters_relocking_behind_a_holder) {
    weft::condition_variable cv;
    weft::mutex m;
    run_then_destroy(tasks(wait_cv(&cv, &m), wait_cv(&cv, &m), hold_lock_last(&m, &cv)));
    EXPECT_TRUE(m.try_lock());
    EXPECT_FALSE(m.try_lock());
    m.unlock();
}

// ---- channel, oneshot, queues: items are neither lost nor handed to freed frames ----

weft::task<> recv_one(weft::channel<int>* ch) {
    ++waiting;
    (void)co_await ch->recv();
}

weft::task<> send_one(weft::channel<int>* ch, int v) {
    ++waiting;
    co_await ch->send(v);
}

TEST(shutdown_sync, channel_receiver_leaves_the_channel) {
    weft::channel<int> ch(4);
    run_then_destroy(tasks(recv_one(&ch), recv_one(&ch)));
    EXPECT_TRUE(ch.try_send(1));  // would hand it to a freed receiver
    EXPECT_EQ(ch.try_recv(), std::optional<int>(1));
}

TEST(shutdown_sync, channel_sender_leaves_the_channel) {
    weft::channel<int> ch(1);
    ASSERT_TRUE(ch.try_send(1));
    run_then_destroy(tasks(send_one(&ch, 2), send_one(&ch, 3)));
    EXPECT_EQ(ch.try_recv(), std::optional<int>(1));  // would pull a freed sender's item in
    EXPECT_EQ(ch.try_recv(), std::nullopt);
    EXPECT_EQ(ch.size(), 0u);
}

weft::task<> oneshot_recv(weft::oneshot<int>* o) {
    ++waiting;
    (void)co_await o->recv();
}

TEST(shutdown_sync, oneshot_receiver_leaves) {
    weft::oneshot<int> o;
    run_then_destroy(tasks(oneshot_recv(&o)));
    o.send(5);
    EXPECT_EQ(o.try_recv(), std::optional<int>(5));
}

template <class Q>
weft::task<> queue_get(Q* q) {
    ++waiting;
    (void)co_await q->get();
}

// Puts `v` from its destructor at shutdown: into the queue, or to a getter still waiting.
template <class Q>
weft::task<> put_on_destroy(Q* q, int v) {
    on_destroy put{[q, v] { q->put_nowait(v); }};
    co_await park();
}

template <class Q>
weft::task<> queue_join(Q* q) {
    ++waiting;
    co_await q->join();
}

template <class Q>
weft::task<bool> joins_after_get(Q* q) {
    int v = co_await q->get();
    q->task_done();
    co_await q->join();
    co_return v == 7;
}

template <class Q>
class shutdown_queue : public ::testing::Test {};
using queue_types = ::testing::Types<weft::queue<int>, weft::priority_queue<int>, weft::lifo_queue<int>>;
TYPED_TEST_SUITE(shutdown_queue, queue_types);

TYPED_TEST(shutdown_queue, getter_leaves_the_queue) {
    TypeParam q;
    run_then_destroy(tasks(queue_get(&q), queue_get(&q)));
    q.put_nowait(1);  // would hand it to a freed getter
    EXPECT_EQ(q.get_nowait(), 1);
}

TYPED_TEST(shutdown_queue, item_handed_to_a_destroyed_getter_comes_back) {
    for (bool getter_first : {false, true}) {
        TypeParam q;
        if (getter_first)
            run_then_destroy(tasks(queue_get(&q), put_on_destroy(&q, 7)));
        else  // the put hands 7 to the waiting getter, which is destroyed before it runs
            run_then_destroy(tasks(put_on_destroy(&q, 7), queue_get(&q)));
        ASSERT_EQ(q.qsize(), 1u) << "getter_first=" << getter_first;  // (else joins_after_get waits for good)
        weft::runtime rt(workers(1));                                 // and join() sees every item done
        EXPECT_TRUE(rt.block_on(joins_after_get(&q))) << "getter_first=" << getter_first;
    }
}

TYPED_TEST(shutdown_queue, joiner_leaves_the_queue) {
    TypeParam q;
    q.put_nowait(1);
    run_then_destroy(tasks(queue_join(&q)));
    EXPECT_EQ(q.get_nowait(), 1);
    q.task_done();  // would wake a freed joiner
}

// ---- task_group: a joiner destroyed before its children ----

weft::task<> child(weft::event* never) {
    ++waiting;
    co_await never->wait();
}

// Spawns the child and joins: registered before the child (which runs after it suspends).
weft::task<> spawn_and_join(weft::task_group* g, weft::event* never) {
    (void)g->spawn(child(never));
    ++waiting;  // the child bumps it once more when it runs
    co_await g->join();
}

weft::task<> join_group(weft::task_group* g) {
    ++waiting;
    co_await g->join();
}

weft::task<bool> start_joiner_first(weft::task_group* g, weft::event* never) {
    weft::spawn(spawn_and_join(g, never)).detach();
    co_return co_await yield_until([] { return waiting.load() == 2; });
}

weft::task<bool> start_child_first(weft::task_group* g, weft::event* never) {
    (void)g->spawn(child(never));
    if (!co_await yield_until([] { return waiting.load() == 1; })) co_return false;
    weft::spawn(join_group(g)).detach();
    co_return co_await yield_until([] { return waiting.load() == 2; });
}

TEST(shutdown_sync, task_group_outlives_its_joiner_and_children) {
    weft::event never;
    for (bool joiner_first : {true, false}) {
        weft::task_group g;  // outlives the runtime
        waiting = 0;
        {
            weft::runtime rt(workers(1));
            // Joiner first: the child's end (destroyed next) must not resume the freed joiner.
            ASSERT_TRUE(rt.block_on(joiner_first ? start_joiner_first(&g, &never) : start_child_first(&g, &never)));
        }
        EXPECT_EQ(g.size(), 0u) << "joiner_first=" << joiner_first;
    }
}

}  // namespace
