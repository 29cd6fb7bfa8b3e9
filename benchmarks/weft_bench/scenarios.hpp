// scenarios.hpp — the workloads weft-bench runs, one function per scenario.
//
// Each is defined exactly as the peer programs in ../shared/peers implement it (tokio's
// src/bin/bench.rs, tbb/bench.cpp; see ../shared/bench-protocol.md, W1-W4), so the figures
// compare: the workload runs inside a spawned task on a worker (as tokio's
// `rt.block_on(spawn(run(..)))` does), and the clock starts and stops inside that task, so
// runtime start-up and shutdown are not measured.
//
// Every scenario function runs its workload once on the given runtime and returns the rate
// in the scenario's unit (higher is better).
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace weft {
class runtime;
}

namespace weft::bench {

struct scenario {
    std::string_view name;     // as given to --scenario
    std::string_view unit;     // of the rate run() returns
    std::string_view summary;  // one line, for --list
    double (*run)(weft::runtime& rt);
};

// W1: spawn 1,000,000 empty tasks keeping their join handles, then await them in order.
double run_spawn_join(weft::runtime& rt);
// W2: binary fork-join tree of depth 20 (2,097,151 spawned tasks, the root included).
double run_fork_join(weft::runtime& rt);
// W3: 1,000 tasks each yield_now() 1,000 times.
double run_yield_many(weft::runtime& rt);
// W4: two tasks, two channels of capacity 1, 500,000 round trips (1,000,000 messages).
double run_ping_pong(weft::runtime& rt);
// W5: 1,000,000 tasks each waiting on one never-set event; bytes of RSS per task.
double run_idle_memory(weft::runtime& rt);
// W5s: 1,000,000 tasks each sleeping one hour; bytes of RSS per task above the baseline.
double run_sleep_memory(weft::runtime& rt);
// W6: 100,000 tasks each sleeping a uniform random 0-100 ms; wall milliseconds.
double run_timers(weft::runtime& rt);

// W7: TCP echo, a closed-loop load (echo_config()) against weft's server; round trips/s.
double run_echo(weft::runtime& rt);
// W8: HTTP/1.1 keep-alive GET / against weft's http::server, the same closed loop as wrk
// -c100 (echo_config(): connections, seconds, target); requests/s.
double run_http(weft::runtime& rt);

struct echo_settings {
    int connections = 100;
    int size = 64;
    double seconds = 5;
    std::string target;  // host:port of an external server; empty: serve in this process
};
echo_settings& echo_config() noexcept;

// Figures a scenario reports besides its rate (0: not measured).
struct extra_figures {
    double p50_us = 0;
    double p99_us = 0;
    double server_cpu_s = 0;
};
// The last run's extras (reset by weft-bench before each run).
extra_figures& last_extras() noexcept;

// Every scenario, in the order the protocol lists them.
std::span<const scenario> all_scenarios() noexcept;
// nullptr if there is no scenario of that name.
const scenario* find_scenario(std::string_view name) noexcept;

}  // namespace weft::bench
