// scenarios.cpp — W1-W4 on weft. The sizes and the shape of each workload follow the peers
// line by line (../shared/peers/tokio/src/bin/bench.rs); where weft differs in how a thing
// is spelled, the comment says what the peer does.
//
// Coroutines are free functions taking their state by value (or a pointer into a frame that
// outlives them): coroutine lambdas with captures would dangle (see weft/task.hpp).
#include "scenarios.hpp"

#include <algorithm>
#include <atomic>
#include <fstream>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <optional>
#include <stdexcept>
#include <utility>
#include <vector>

#include <weft/channel.hpp>
#include <weft/event.hpp>
#include <weft/sleep.hpp>
#include <weft/runtime.hpp>
#include <weft/yield.hpp>

namespace weft::bench {
namespace {

// Workload sizes, as in the peers.
constexpr std::size_t spawn_join_tasks = 1'000'000;
constexpr int fork_join_depth = 20;
constexpr std::uint64_t fork_join_tasks = (std::uint64_t{1} << (fork_join_depth + 1)) - 1;  // 2,097,151
constexpr std::size_t yield_tasks = 1'000;
constexpr int yields_per_task = 1'000;
constexpr std::uint64_t ping_pong_rounds = 500'000;  // 1,000,000 messages

using bench_clock = std::chrono::steady_clock;

double seconds_since(bench_clock::time_point t0) {
    return std::chrono::duration<double>(bench_clock::now() - t0).count();
}

// Runs a workload body (which times itself and returns seconds) in a spawned task, so that
// its spawns come from a worker, exactly like the peers.
weft::task<double> in_spawned_task(weft::task<double> body) { co_return co_await weft::spawn(std::move(body)); }

double timed(weft::runtime& rt, weft::task<double> body) { return rt.block_on(in_spawned_task(std::move(body))); }

// ---- W1 spawn_join ----

weft::task<> empty_task() { co_return; }

weft::task<double> spawn_join_body(std::size_t n) {
    const auto t0 = bench_clock::now();
    std::vector<weft::join_handle<>> handles;
    handles.reserve(n);
    for (std::size_t i = 0; i < n; ++i) handles.push_back(weft::spawn(empty_task()));
    for (auto& h : handles) {
        co_await h;
        // tokio's `for h in hs { h.await }` consumes each handle: the task's memory is freed
        // here, inside the timed region, not by the vector's destructor after it.
        h = weft::join_handle<>();
    }
    co_return seconds_since(t0);
}

// ---- W2 fork_join ----

weft::task<> tree(int depth) {
    if (depth == 0) co_return;
    auto left = weft::spawn(tree(depth - 1));
    auto right = weft::spawn(tree(depth - 1));
    co_await left;
    co_await right;
}

weft::task<double> fork_join_body(int depth) {
    const auto t0 = bench_clock::now();
    co_await weft::spawn(tree(depth));  // the root of the tree is itself spawned
    co_return seconds_since(t0);
}

// ---- W3 yield_many ----

weft::task<> yielder(int yields) {
    for (int i = 0; i < yields; ++i) co_await weft::yield_now();
}

weft::task<double> yield_many_body(std::size_t tasks, int yields) {
    const auto t0 = bench_clock::now();
    std::vector<weft::join_handle<>> handles;
    handles.reserve(tasks);
    for (std::size_t i = 0; i < tasks; ++i) handles.push_back(weft::spawn(yielder(yields)));
    for (auto& h : handles) {
        co_await h;
        h = weft::join_handle<>();
    }
    co_return seconds_since(t0);
}

// ---- W4 ping_pong ----

using u64_channel = weft::channel<std::uint64_t>;

// Echoes every request until the channel is closed (tokio: `while let Some(v) = rx1.recv()`).
weft::task<> pong(u64_channel* requests, u64_channel* replies) {
    while (std::optional<std::uint64_t> v = co_await requests->recv()) co_await replies->send(*v);
}

weft::task<> ping(u64_channel* requests, u64_channel* replies, std::uint64_t rounds) {
    try {
        for (std::uint64_t i = 0; i < rounds; ++i) {
            co_await requests->send(i);
            std::optional<std::uint64_t> v = co_await replies->recv();
            if (!v || *v != i) throw std::runtime_error("ping_pong: pong answered with the wrong value");
        }
    } catch (...) {
        requests->close();  // let pong end, so the body can join it before rethrowing
        throw;
    }
    requests->close();  // tokio drops tx1 here; pong then sees the end of the stream
}

weft::task<double> ping_pong_body(std::uint64_t rounds) {
    u64_channel requests(1);  // tokio: mpsc::channel(1), twice
    u64_channel replies(1);
    const auto t0 = bench_clock::now();
    auto pong_handle = weft::spawn(pong(&requests, &replies));
    auto ping_handle = weft::spawn(ping(&requests, &replies, rounds));
    std::exception_ptr failure;
    try {
        co_await ping_handle;
    } catch (...) {
        failure = std::current_exception();
    }
    co_await pong_handle;  // both must be done before the channels (in this frame) go away
    if (failure) std::rethrow_exception(failure);
    co_return seconds_since(t0);
}

// ---- W5s sleep_memory ----

constexpr std::size_t sleep_memory_tasks = 1'000'000;

std::uint64_t rss_bytes() {
    std::ifstream statm("/proc/self/statm");
    std::uint64_t size = 0, resident = 0;
    statm >> size >> resident;
    return resident * 4096;
}

weft::task<> hour_sleeper(std::atomic<std::size_t>* started) {
    started->fetch_add(1, std::memory_order_relaxed);
    co_await weft::sleep_for(std::chrono::hours(1));
}

// As the peers: RSS before, spawn n sleepers (dropping the handles), wait until all have
// started, let the allocator settle 100 ms, RSS after; bytes per task above the baseline.
weft::task<double> sleep_memory_body(std::size_t n) {
    std::atomic<std::size_t> started{0};
    co_await weft::sleep_for(std::chrono::milliseconds(50));
    const std::uint64_t base = rss_bytes();
    for (std::size_t i = 0; i < n; ++i) weft::spawn(hour_sleeper(&started)).detach();
    while (started.load(std::memory_order_relaxed) < n) co_await weft::sleep_for(std::chrono::milliseconds(1));
    co_await weft::sleep_for(std::chrono::milliseconds(100));
    const std::uint64_t after = rss_bytes();
    co_return (static_cast<double>(after) - static_cast<double>(base)) / static_cast<double>(n);
    // The sleepers are destroyed with the runtime.
}

// ---- W5 idle_memory ----

weft::task<> event_waiter(weft::event* ev, std::atomic<std::size_t>* started, std::atomic<std::size_t>* done) {
    started->fetch_add(1, std::memory_order_relaxed);
    co_await ev->wait();
    done->fetch_add(1, std::memory_order_relaxed);
}

// As the peers: RSS before, n tasks waiting on one never-set event, RSS after (bytes per
// task above the baseline); then set it and wait for all (the wake-all time goes to stderr).
weft::task<double> idle_memory_body(std::size_t n) {
    weft::event ev;
    std::atomic<std::size_t> started{0}, done{0};
    co_await weft::sleep_for(std::chrono::milliseconds(50));
    const std::uint64_t base = rss_bytes();
    for (std::size_t i = 0; i < n; ++i) weft::spawn(event_waiter(&ev, &started, &done)).detach();
    while (started.load(std::memory_order_relaxed) < n) co_await weft::sleep_for(std::chrono::milliseconds(1));
    co_await weft::sleep_for(std::chrono::milliseconds(100));
    const std::uint64_t after = rss_bytes();
    const auto t1 = bench_clock::now();
    ev.set();
    while (done.load(std::memory_order_relaxed) < n) co_await weft::sleep_for(std::chrono::milliseconds(1));
    std::fprintf(stderr, "  idle_memory: wake-all of %zu tasks took %.4f s\n", n, seconds_since(t1));
    co_return (static_cast<double>(after) - static_cast<double>(base)) / static_cast<double>(n);
}

// ---- W6 timers ----

constexpr std::size_t timer_tasks = 100'000;

weft::task<> micro_sleeper(std::uint64_t us) { co_await weft::sleep_for(std::chrono::microseconds(us)); }

// 100,000 tasks, each sleeping a uniform 0-100 ms drawn from the peers' xorshift sequence;
// wall time from the first spawn to the last join.
weft::task<double> timers_body(std::size_t n) {
    std::uint64_t x = 0x9E3779B97F4A7C15ull;
    const auto t0 = bench_clock::now();
    std::vector<weft::join_handle<>> handles;
    handles.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        handles.push_back(weft::spawn(micro_sleeper(x % 100'000)));
    }
    for (auto& h : handles) co_await h;
    co_return seconds_since(t0) * 1000.0;
}

constexpr scenario scenario_table[] = {
    {"spawn_join", "tasks/s", "W1: spawn 1,000,000 empty tasks keeping the join handles, then await them in order",
     &run_spawn_join},
    {"fork_join", "tasks/s",
     "W2: recursive fork-join, each task spawns two children and awaits both, depth 20 "
     "(2,097,151 tasks)",
     &run_fork_join},
    {"yield_many", "yields/s", "W3: 1,000 tasks each yield_now() 1,000 times, then join all", &run_yield_many},
    {"ping_pong", "roundtrips/s", "W4: two tasks, two channels of capacity 1, 500,000 round trips", &run_ping_pong},
    {"idle_memory", "bytes/task",
     "W5: 1,000,000 tasks each wait on one never-set event; RSS per task above the baseline (lower is better)",
     &run_idle_memory},
    {"sleep_memory", "bytes/task",
     "W5s: 1,000,000 tasks each sleep one hour; RSS per task above the baseline (lower is better)", &run_sleep_memory},
    {"timers", "ms", "W6: 100,000 tasks each sleep a uniform random 0-100 ms; wall time (lower is better, ideal ~100)",
     &run_timers},
    {"echo", "roundtrips/s",
     "W7: TCP echo on 127.0.0.1, 100 connections x 64 B closed loop for 5 s (--connections, --size, --duration, "
     "--target); also p50/p99 latency and server CPU s",
     &run_echo},
    {"http", "requests/s",
     "W8: HTTP/1.1 keep-alive GET / (200 Hello, World!) on 127.0.0.1, 100 connections closed loop for 5 s "
     "(--connections, --duration, --target); also p50/p99 latency, server CPU s and requests per server CPU-second",
     &run_http},
};

}  // namespace

double run_spawn_join(weft::runtime& rt) {
    return static_cast<double>(spawn_join_tasks) / timed(rt, spawn_join_body(spawn_join_tasks));
}

double run_fork_join(weft::runtime& rt) {
    return static_cast<double>(fork_join_tasks) / timed(rt, fork_join_body(fork_join_depth));
}

double run_yield_many(weft::runtime& rt) {
    const double yields = static_cast<double>(yield_tasks) * yields_per_task;
    return yields / timed(rt, yield_many_body(yield_tasks, yields_per_task));
}

double run_ping_pong(weft::runtime& rt) {
    return static_cast<double>(ping_pong_rounds) / timed(rt, ping_pong_body(ping_pong_rounds));
}

double run_idle_memory(weft::runtime& rt) { return rt.block_on(idle_memory_body(sleep_memory_tasks)); }

double run_sleep_memory(weft::runtime& rt) { return rt.block_on(sleep_memory_body(sleep_memory_tasks)); }

double run_timers(weft::runtime& rt) { return timed(rt, timers_body(timer_tasks)); }

std::span<const scenario> all_scenarios() noexcept { return scenario_table; }

const scenario* find_scenario(std::string_view name) noexcept {
    auto it = std::find_if(std::begin(scenario_table), std::end(scenario_table),
                           [name](const scenario& s) { return s.name == name; });
    return it == std::end(scenario_table) ? nullptr : &*it;
}

}  // namespace weft::bench
