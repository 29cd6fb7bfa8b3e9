// test_task_dump.cpp — weft::dump_tasks: every wait state with its spawn site and parent,
// under both I/O drivers; text and JSON; cancellation racing with dumps; the dump signal.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <map>
#include <mutex>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>
#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>

#include <weft/async_fd.hpp>
#include <weft/channel.hpp>
#include <weft/condition_variable.hpp>
#include <weft/event.hpp>
#include <weft/latch.hpp>
#include <weft/mutex.hpp>
#include <weft/queue.hpp>
#include <weft/runtime.hpp>
#include <weft/semaphore.hpp>
#include <weft/sleep.hpp>
#include <weft/task_dump.hpp>
#include <weft/task_group.hpp>
#include <weft/when_all.hpp>

#include "../io/io_test_support.hpp"

namespace {

using namespace std::chrono_literals;

// Everything the waiting tasks wait on; outlives the runtime (declared before it).
struct world {
    weft::event never;
    weft::semaphore none{0};
    weft::mutex held;
    weft::mutex cv_mutex;
    weft::condition_variable cv;
    weft::latch gate{1};
    weft::channel<int> ch{1};
    weft::queue<int> q;
    weft::pipe_ends read_pipe = weft::make_pipe();
    weft::pipe_ends write_pipe = weft::make_pipe();
    std::vector<std::byte> big = std::vector<std::byte>(1 << 20);
    std::vector<std::byte> buf = std::vector<std::byte>(16);
    std::vector<weft::join_handle<>> handles;
    std::mutex lines_lock;                  // tasks on different workers note their lines
    std::map<std::string, unsigned> lines;  // task name -> line of its spawn
    void note(const std::string& name, unsigned line) {
        std::lock_guard g(lines_lock);
        lines[name] = line;
    }
};

weft::task<> sleeper() { co_await weft::sleep_for(1h); }
weft::task<> reader(world* w) { (void)co_await w->read_pipe.read_end.read_some(w->buf); }
weft::task<> writer(world* w) { co_await w->write_pipe.write_end.write_all(w->big); }
weft::task<> on_event(world* w) { co_await w->never.wait(); }
weft::task<> on_semaphore(world* w) { co_await w->none.acquire(); }
weft::task<> on_mutex(world* w) { co_await w->held.lock(); }
weft::task<> on_cv(world* w) {
    auto lock = co_await w->cv_mutex.scoped_lock();
    co_await w->cv.wait(w->cv_mutex);
}
weft::task<> on_latch(world* w) { co_await w->gate.wait(); }
weft::task<> on_channel(world* w) { (void)co_await w->ch.recv(); }
weft::task<> on_queue(world* w) { (void)co_await w->q.get(); }
weft::task<> joiner(world* w) {
    // clang-format off
    auto h = weft::spawn(sleeper(), weft::task_name{"joined"}); w->note("joined", __LINE__);
    // clang-format on
    co_await h;
}
weft::task<> group_owner(world* w) {
    weft::task_group g;
    // clang-format off
    (void)g.spawn(on_event(w), weft::task_name{"child1"}); w->note("child1", __LINE__);
    (void)g.spawn(on_event(w), weft::task_name{"child2"}); w->note("child2", __LINE__);
    // clang-format on
    co_await g.join();
}

#define SPAWN_NAMED(name, t)                                         \
    do {                                                             \
        w->handles.push_back(weft::spawn(t, weft::task_name{name})); \
        w->note(name, __LINE__);                                     \
    } while (0)

// Spawns one task per wait state, each named (the held mutex is taken first).
weft::task<> set_up(world* w) {
    co_await w->held.lock();
    SPAWN_NAMED("sleeper", sleeper());
    SPAWN_NAMED("reader", reader(w));
    SPAWN_NAMED("writer", writer(w));
    SPAWN_NAMED("on_event", on_event(w));
    SPAWN_NAMED("on_semaphore", on_semaphore(w));
    SPAWN_NAMED("on_mutex", on_mutex(w));
    SPAWN_NAMED("on_cv", on_cv(w));
    SPAWN_NAMED("on_latch", on_latch(w));
    SPAWN_NAMED("on_channel", on_channel(w));
    SPAWN_NAMED("on_queue", on_queue(w));
    SPAWN_NAMED("joiner", joiner(w));
    SPAWN_NAMED("group_owner", group_owner(w));
}

constexpr std::uint64_t waiting_tasks = 15;  // the 12 above, "joined", "child1", "child2"

void wait_until_suspended(const weft::runtime& rt, std::uint64_t n) {
    for (int i = 0; i < 5000 && rt.metrics().suspended_tasks < n; ++i) std::this_thread::sleep_for(1ms);
    ASSERT_GE(rt.metrics().suspended_tasks, n);
}

const weft::task_info* find(const weft::task_dump& d, const std::string& name) {
    for (const auto& t : d.tasks)
        if (t.name == name) return &t;
    return nullptr;
}

// Dumps until `done(dump)` holds (bounded: ~5 s), and returns the last dump.
template <class Pred>
weft::task_dump dump_until(const weft::runtime& rt, Pred done) {
    weft::task_dump d = weft::dump_tasks(rt);
    for (int i = 0; i < 5000 && !done(d); ++i) {
        std::this_thread::sleep_for(1ms);
        d = weft::dump_tasks(rt);
    }
    return d;
}

// Every named task of set_up() is seen waiting (a task still queued or running is listed
// too, and a weft-internal task may be counted meanwhile).
bool all_named_wait(const weft::task_dump& dump) {
    std::size_t named = 0;
    for (const auto& t : dump.tasks)
        named += !t.name.empty() && !t.running && !t.queued && t.waiting_on != weft::wait_kind::none;
    return named >= waiting_tasks;
}

class task_dump : public weft::test::io_test {};

TEST_P(task_dump, shows_every_wait_state_with_its_spawn_site_and_parent) {
    world w;
    weft::runtime rt(config(2));
    rt.block_on(set_up(&w));
    // The joiner runs "joined" inline, so it is not in the registry: count what the dump sees.
    weft::task_dump d = dump_until(
        rt, [](const weft::task_dump& dump) { return dump.tasks.size() == waiting_tasks && all_named_wait(dump); });
    ASSERT_EQ(d.tasks.size(), waiting_tasks) << d.to_text();

    const std::pair<const char*, weft::wait_kind> expected[] = {
        {"sleeper", weft::wait_kind::sleep},
        {"reader", weft::wait_kind::fd_read},
        {"writer", weft::wait_kind::fd_write},
        {"on_event", weft::wait_kind::event},
        {"on_semaphore", weft::wait_kind::semaphore},
        {"on_mutex", weft::wait_kind::mutex},
        {"on_cv", weft::wait_kind::condition_variable},
        {"on_latch", weft::wait_kind::latch},
        {"on_channel", weft::wait_kind::channel},
        {"on_queue", weft::wait_kind::queue},
        {"joiner", weft::wait_kind::join},
        {"group_owner", weft::wait_kind::group_join},
        {"joined", weft::wait_kind::sleep},
        {"child1", weft::wait_kind::event},
        {"child2", weft::wait_kind::event},
    };
    for (const auto& [name, kind] : expected) {
        const weft::task_info* t = find(d, name);
        ASSERT_NE(t, nullptr) << name << " missing from\n" << d.to_text();
        EXPECT_EQ(t->waiting_on, kind) << name << ": " << weft::to_string(t->waiting_on);
        EXPECT_NE(t->spawn_file.find("test_task_dump.cpp"), std::string::npos) << name << ": " << t->spawn_file;
        EXPECT_EQ(t->spawn_line, w.lines.at(name)) << name;
        EXPECT_FALSE(t->running) << name;
    }
    // What each waits on, where the dump can tell.
    EXPECT_EQ(find(d, "reader")->object, static_cast<std::uint64_t>(w.read_pipe.read_end.native_handle()));
    EXPECT_EQ(find(d, "writer")->object, static_cast<std::uint64_t>(w.write_pipe.write_end.native_handle()));
    EXPECT_GE(find(d, "reader")->waiting_s, 0.0);
    EXPECT_LT(find(d, "reader")->waiting_s, 60.0);
    EXPECT_TRUE(find(d, "sleeper")->has_deadline);
    EXPECT_GT(find(d, "sleeper")->deadline_in_s, 3000.0);
    EXPECT_EQ(find(d, "joiner")->object, find(d, "joined")->id);
    // The await tree: the joined task under its joiner, the group's children under the owner.
    EXPECT_EQ(find(d, "joined")->parent, find(d, "joiner")->id);
    EXPECT_EQ(find(d, "child1")->parent, find(d, "group_owner")->id);
    EXPECT_EQ(find(d, "child2")->parent, find(d, "group_owner")->id);
    EXPECT_EQ(find(d, "sleeper")->parent, 0u);
    // Tasks that do not name themselves carry the site only; the joined one has its name.
    EXPECT_EQ(find(d, "joined")->spawn_function.find("joiner") != std::string::npos, true)
        << find(d, "joined")->spawn_function;

    const std::string text = d.to_text();
    EXPECT_NE(text.find("\"group_owner\""), std::string::npos) << text;
    EXPECT_NE(text.find("└── task"), std::string::npos) << text;  // children drawn under parents
    EXPECT_NE(text.find("waiting on fd_read fd"), std::string::npos) << text;
    // In the text tree a child comes right below its parent's line (or a sibling's subtree).
    EXPECT_LT(text.find("\"joiner\""), text.find("\"joined\"")) << text;

    const auto j = nlohmann::json::parse(d.to_json());
    ASSERT_TRUE(j["tasks"].is_array());
    EXPECT_EQ(j["workers"], 2);
    bool saw_child = false;
    for (const auto& t : j["tasks"]) {
        if (t["name"] == "child1") {
            saw_child = true;
            EXPECT_EQ(t["waiting_on"], "event");
            EXPECT_EQ(t["state"], "waiting");
            EXPECT_EQ(t["spawn_site"]["line"], w.lines.at("child1"));
            EXPECT_TRUE(t["parent"].is_string());
        }
    }
    EXPECT_TRUE(saw_child) << j.dump(2);
}

// Since when: every wait but a sleep (which shows its deadline instead) says how long it
// has lasted, never less than it has (wait_stamp.hpp): to the second for sync primitives,
// to the millisecond (give or take the coarse clock's tick) for I/O, joins and when_all.
TEST_P(task_dump, every_wait_but_a_sleep_says_since_when) {
    world w;
    weft::runtime rt(config(2));
    rt.block_on(set_up(&w));
    weft::task_dump d = dump_until(rt, all_named_wait);
    ASSERT_TRUE(all_named_wait(d)) << d.to_text();
    std::this_thread::sleep_for(1200ms);
    d = weft::dump_tasks(rt);
    const std::pair<const char*, double>
        at_least[] = {{"reader", 1.15},  {"writer", 1.15},  {"joiner", 1.15},      {"group_owner", 1.15},
                      {"on_event", 0.9}, {"on_mutex", 0.9}, {"on_semaphore", 0.9}, {"on_cv", 0.9},
                      {"on_latch", 0.9}, {"on_queue", 0.9}, {"on_channel", 0.9},   {"child1", 0.9},
                      {"child2", 0.9}};  // seconds: a whole one, less the time between the dump's now and its read
    for (const auto& [name, least] : at_least) {
        const weft::task_info* t = find(d, name);
        ASSERT_NE(t, nullptr) << name << " missing from\n" << d.to_text();
        EXPECT_GE(t->waiting_s, least) << name << " (" << weft::to_string(t->waiting_on) << ")\n" << d.to_text();
        EXPECT_LT(t->waiting_s, 3600.0) << name;
    }
    EXPECT_LT(find(d, "sleeper")->waiting_s, 0.0);  // not recorded: the deadline says it
    EXPECT_NE(d.to_text().find("waiting on mutex"), std::string::npos);
    const auto j = nlohmann::json::parse(d.to_json());
    for (const auto& t : j["tasks"]) {
        if (t["name"] == "on_event") {
            EXPECT_TRUE(t["waiting_s"].is_number()) << t.dump();
        }
    }
}

weft::task<> fan_out(world* w) { co_await weft::when_all(on_event(w), on_event(w)); }

TEST_P(task_dump, a_when_all_says_since_when) {
    world w;
    weft::runtime rt(config(2));
    rt.block_on([](world* w) -> weft::task<> {
        w->handles.push_back(weft::spawn(fan_out(w), weft::task_name{"fan"}));
        co_return;
    }(&w));
    auto fan_waits = [](const weft::task_dump& dump) {
        const weft::task_info* t = find(dump, "fan");
        return t && t->waiting_on == weft::wait_kind::when_all;
    };
    weft::task_dump d = dump_until(rt, fan_waits);
    ASSERT_TRUE(fan_waits(d)) << d.to_text();
    std::this_thread::sleep_for(100ms);
    d = weft::dump_tasks(rt);
    EXPECT_GE(find(d, "fan")->waiting_s, 0.06) << d.to_text();
}

weft::task<weft::task_dump> dump_from_inside(const weft::runtime* rt) {
    co_await weft::sleep_for(1ms);  // suspend once: registered from here on
    co_return weft::dump_tasks(*rt);
}

TEST_P(task_dump, shows_the_task_that_runs_the_dump_as_running) {
    weft::runtime rt(config(1));
    // clang-format off
    const weft::task_dump d = rt.block_on(dump_from_inside(&rt)); const unsigned line = __LINE__;
    // clang-format on
    ASSERT_FALSE(d.tasks.empty());
    const weft::task_info* self = nullptr;
    for (const auto& t : d.tasks)
        if (t.running) self = &t;
    ASSERT_NE(self, nullptr) << d.to_text();
    EXPECT_EQ(self->worker, 0);
    EXPECT_EQ(self->spawn_line, line) << d.to_text();
    EXPECT_NE(d.to_text().find("running on worker 0"), std::string::npos) << d.to_text();
}

// A worker busy in a task that never suspended, with the tasks it spawned still queued
// behind it: the dump lists the running one with its site, and the queued ones with theirs
// and their spawner as parent; they still all run once the worker is free.
weft::task<> await_handle(weft::join_handle<> h) { co_await h; }

struct busy_world {
    std::atomic<bool> release{false};
    std::atomic<int> ran{0};
    std::atomic<bool> spawned{false};
    unsigned busy_line = 0, queued_line = 0;
};
weft::task<> count_run(busy_world* b) {
    b->ran.fetch_add(1);
    co_return;
}
weft::task<> busy(busy_world* b) {
    for (int i = 0; i < 3; ++i) {
        // clang-format off
        weft::spawn(count_run(b), weft::task_name{"queued"}).detach(); b->queued_line = __LINE__;
        // clang-format on
    }
    b->spawned.store(true);
    // Never suspends: the worker is ours until the test lets go (bounded: 30 s).
    const auto until = std::chrono::steady_clock::now() + 30s;
    while (!b->release.load() && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(1ms);
    co_return;
}

TEST_P(task_dump, lists_running_and_queued_tasks_that_never_suspended) {
    busy_world b;
    auto cfg = config(1);
    cfg.stall_threshold_ms = 0;  // the busy task blocks on purpose
    weft::runtime rt(cfg);
    // clang-format off
    auto h = rt.spawn(busy(&b), weft::task_name{"busy"}); b.busy_line = __LINE__;
    // clang-format on
    for (int i = 0; i < 5000 && !b.spawned.load(); ++i) std::this_thread::sleep_for(1ms);
    ASSERT_TRUE(b.spawned.load());
    const weft::task_dump d = weft::dump_tasks(rt);
    b.release.store(true);
    const weft::task_info* running = find(d, "busy");
    ASSERT_NE(running, nullptr) << d.to_text();
    EXPECT_TRUE(running->running) << d.to_text();
    EXPECT_EQ(running->worker, 0);
    EXPECT_EQ(running->spawn_line, b.busy_line) << d.to_text();
    int queued = 0;
    for (const auto& t : d.tasks) {
        if (t.name != "queued") continue;
        ++queued;
        EXPECT_TRUE(t.queued) << d.to_text();
        EXPECT_FALSE(t.running);
        EXPECT_EQ(t.spawn_line, b.queued_line) << d.to_text();
        EXPECT_EQ(t.parent, running->id) << d.to_text();  // its spawner, still running
        EXPECT_TRUE(t.parent_is_spawner);
    }
    EXPECT_EQ(queued, 3) << d.to_text();
    const std::string text = d.to_text();
    EXPECT_NE(text.find("\"busy\" spawned at"), std::string::npos) << text;
    EXPECT_NE(text.find("— running on worker 0"), std::string::npos) << text;
    EXPECT_NE(text.find("── task"), std::string::npos) << text;  // drawn under the spawner
    EXPECT_NE(text.find("— queued"), std::string::npos) << text;
    const auto j = nlohmann::json::parse(d.to_json());
    int json_queued = 0;
    for (const auto& t : j["tasks"])
        if (t["name"] == "queued") {
            ++json_queued;
            EXPECT_EQ(t["state"], "queued");
            EXPECT_EQ(t["parent_relation"], "spawned");
        }
    EXPECT_EQ(json_queued, 3);
    // The queued tasks were put back: they all run.
    rt.block_on(await_handle(std::move(h)));
    for (int i = 0; i < 5000 && b.ran.load() < 3; ++i) std::this_thread::sleep_for(1ms);
    EXPECT_EQ(b.ran.load(), 3);
}

// A detached task spawned from inside a task hangs under its spawner in the tree (nobody
// awaits it); once a task awaits it, that one is its parent instead.
weft::task<> detached_child(weft::event* e) { co_await e->wait(); }
weft::task<> spawner(weft::event* e, std::atomic<unsigned>* line) {
    // clang-format off
    weft::spawn(detached_child(e), weft::task_name{"detached"}).detach(); line->store(__LINE__);
    // clang-format on
    co_await e->wait();
}

TEST_P(task_dump, a_detached_task_hangs_under_its_spawner) {
    weft::event e;
    std::atomic<unsigned> line{0};
    weft::runtime rt(config(2));
    auto h = rt.spawn(spawner(&e, &line), weft::task_name{"spawner"});
    weft::task_dump d = dump_until(rt, [](const weft::task_dump& dump) {
        const weft::task_info* child = find(dump, "detached");
        const weft::task_info* parent = find(dump, "spawner");
        return child && parent && child->waiting_on == weft::wait_kind::event &&
               parent->waiting_on == weft::wait_kind::event;
    });
    const weft::task_info* child = find(d, "detached");
    const weft::task_info* parent = find(d, "spawner");
    ASSERT_NE(child, nullptr) << d.to_text();
    ASSERT_NE(parent, nullptr) << d.to_text();
    EXPECT_EQ(child->parent, parent->id) << d.to_text();
    EXPECT_TRUE(child->parent_is_spawner);
    EXPECT_EQ(child->spawn_line, line.load());
    EXPECT_EQ(parent->parent, 0u);  // spawned from outside any task
    const std::string text = d.to_text();
    EXPECT_LT(text.find("\"spawner\""), text.find("\"detached\"")) << text;
    EXPECT_NE(text.find("└── task"), std::string::npos) << text;
    const auto j = nlohmann::json::parse(d.to_json());
    for (const auto& t : j["tasks"])
        if (t["name"] == "detached") {
            EXPECT_EQ(t["parent_relation"], "spawned") << j.dump(2);
        }
    e.set();
    rt.block_on(await_handle(std::move(h)));
}

// Cancels racing with dumps: a cancel() that arrives while the dump holds a task's waiter
// is delivered when the dump lets go — every task ends, none is lost.
weft::task<> wait_forever(weft::event* e) { co_await e->wait(); }
weft::task<> sleep_forever() { co_await weft::sleep_for(1h); }

TEST_P(task_dump, cancellations_during_dumps_are_all_delivered) {
    weft::event never;
    weft::runtime rt(config(2));
    constexpr int n = 200;
    std::vector<weft::join_handle<>> hs;
    for (int i = 0; i < n; ++i) hs.push_back(rt.spawn(i % 2 ? wait_forever(&never) : sleep_forever()));
    wait_until_suspended(rt, n);
    std::atomic<bool> done{false};
    std::thread dumper([&] {
        while (!done.load()) (void)weft::dump_tasks(rt);
    });
    for (auto& h : hs) h.cancel();
    rt.block_on([](std::vector<weft::join_handle<>>* v) -> weft::task<> {
        for (auto& h : *v) {
            try {
                co_await h;
                ADD_FAILURE() << "a cancelled task finished normally";
            } catch (const weft::cancelled_error&) {
            }
        }
    }(&hs));
    done = true;
    dumper.join();
    EXPECT_EQ(rt.metrics().suspended_tasks, 0u);
}

weft::task<> wait_for_cancel(weft::event* e) { co_await e->wait(); }

TEST_P(task_dump, the_dump_signal_writes_the_dump_to_the_log) {
    weft::event never;
    auto cfg = config(1);
    cfg.dump_signal = SIGUSR1;
    weft::runtime rt(cfg);
    auto logger = spdlog::get("weft");
    ASSERT_TRUE(logger);
    // A ring buffer sink: its lines are read under the sink's lock (an ostringstream would
    // be read here while the watchdog thread writes it).
    auto sink = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(1000);
    logger->sinks().push_back(sink);
    auto logged = [&] {
        std::string all;
        for (const auto& line : sink->last_formatted()) all += line;
        return all;
    };
    auto h = rt.spawn(wait_for_cancel(&never), weft::task_name{"signalled"});
    wait_until_suspended(rt, 1);
    std::raise(SIGUSR1);
    for (int i = 0; i < 500 && logged().find("signalled") == std::string::npos; ++i) std::this_thread::sleep_for(10ms);
    logger->flush();
    const std::string log = logged();
    logger->sinks().pop_back();
    EXPECT_NE(log.find("task dump (signal"), std::string::npos) << log;
    EXPECT_NE(log.find("\"signalled\""), std::string::npos) << log;
    EXPECT_NE(log.find("waiting on event"), std::string::npos) << log;
}

WEFT_IO_TEST_SUITE(task_dump);

}  // namespace
