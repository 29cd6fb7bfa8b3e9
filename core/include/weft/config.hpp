// weft/config.hpp — runtime_config: every knob of the runtime, from code, a TOML file
// and WEFT_* environment variables.
//
// Precedence: defaults < file < environment < what the program sets afterwards in code.
// runtime_config::load() applies the file named by WEFT_CONFIG (if set) and then the
// environment; weft::run() and runtime's default constructor use it. Every key is listed,
// with its range, in docs/configuration.md.
//
//   auto cfg = weft::runtime_config::load();        // defaults, $WEFT_CONFIG, WEFT_*
//   cfg.workers = 4;                                 // code has the last word
//   weft::runtime rt(cfg);
//
// A wrong value (WEFT_WORKERS=abc, workers = 0, an unknown key, an unreadable file or one
// that is not a regular file) throws weft::config_error naming the source, the key and the
// value. Nothing is silently clamped or defaulted. An empty variable (WEFT_WORKERS=) means
// unset. weft::run() and runtime's constructor throw it too: catch it in main() (see
// examples/hello.cpp) to print it and exit non-zero instead of std::terminate.
//
// Thread safety: a plain value type.
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace weft {

enum class log_level { trace, debug, info, warn, err, critical, off };

// Which I/O driver the workers' reactors use (docs/io-drivers.md). `automatic` picks
// io_uring where the kernel allows it and falls back to epoll, logging why.
enum class io_driver_kind { automatic, epoll, io_uring };

struct runtime_config {
    // Worker threads; 0 means "the CPUs this process may use" (affinity mask and cgroup
    // v2 cpu.max quota). Range 0..1024.
    std::uint32_t workers = 0;
    // Pin worker i to the i-th CPU of the affinity mask.
    bool pin_workers = false;
    // Worker threads are named prefix + index (Linux keeps 15 characters).
    std::string thread_name_prefix = "weft-w";
    // Slots of each worker's local run queue; a power of two in 16..65536.
    std::uint32_t local_queue_capacity = 256;
    // A worker looks at the global queue first every this many tasks (fairness), 1..1e6.
    std::uint32_t global_queue_interval = 61;
    // Polls a worker makes, in the LIFO slot, before it takes from the queue again; 0..16.
    std::uint32_t max_lifo_polls = 3;
    // Microseconds an idle worker keeps looking for work before it parks (a futex wake-up
    // costs both sides microseconds; a short spin absorbs gaps between bursts); 0..100000.
    std::uint32_t spin_before_park_us = 50;
    // Resolution of the timer wheels, in microseconds: sleeps and timeouts are rounded up to
    // it. 100..1000000; 1 ms suits servers (timeouts of ms to minutes); finer costs more
    // wheel turns per second.
    std::uint32_t timer_tick_us = 1000;
    // Time stands still until the program advances it (weft::advance_time): for tests of
    // timer logic without real sleeps (tokio's paused time). Not for production.
    bool paused_time = false;
    // Level of the spdlog logger named "weft".
    log_level log = log_level::warn;

    // I/O (io/ module): the driver ("auto", "epoll" or "io_uring").
    io_driver_kind io_driver = io_driver_kind::automatic;
    // io_uring: submission queue entries per worker ring; a power of two in 8..32768.
    std::uint32_t io_uring_entries = 256;
    // io_uring: a worker submits at once when this many operations are queued (otherwise at
    // its next poll, before it parks, or every global_queue_interval tasks); 1..4096.
    std::uint32_t io_submit_batch = 32;
    // epoll: events taken per epoll_wait; 1..65536.
    std::uint32_t io_events_per_wait = 256;
    // Threads of the blocking pool (spawn_blocking, file I/O under epoll): at most this many,
    // started on demand; 1..4096.
    std::uint32_t blocking_threads = 64;
    // A blocking-pool thread idle this long (milliseconds) exits; 1..3600000.
    std::uint32_t blocking_keep_alive_ms = 10'000;

    // Applies a TOML file over this config; throws config_error (source = the path).
    void apply_file(const std::string& path);
    // Applies WEFT_* variables from `env` (name -> value) over this config.
    void apply_env(const std::map<std::string, std::string>& env);
    // Applies the process environment (WEFT_*), including WEFT_CONFIG (a file, applied first).
    void apply_process_env();
    // Throws config_error (source "code") if a field is out of range.
    void validate() const;

    // The worker count this config resolves to (workers, or the usable CPUs).
    std::uint32_t resolved_workers() const;

    static runtime_config from_file(const std::string& path);
    static runtime_config load();
};

std::string to_string(log_level l);
std::string to_string(io_driver_kind k);

// CPUs this process may run on: the affinity mask, capped by the cgroup v2 quota.
std::uint32_t available_cpus();

}  // namespace weft
