// weft-bench — runs the protocol's workloads on weft (../shared/bench-protocol.md).
//
//   weft-bench --scenario NAME[,NAME...] --threads 1,2 [--driver auto|epoll|io_uring]
//              [--config FILE] [--reps N] [--json FILE] [--metrics] [--list]
//
// The runtime starts from the user's configuration, as a program that calls
// runtime_config::load() would get it: the file named by --config (else $WEFT_CONFIG), then
// the WEFT_* variables; the flags override it (--threads sets workers, --driver the I/O
// driver). Without --threads, a configured worker count (workers = N, WEFT_WORKERS=N) is the
// one run, else 1 and 2; without --driver, the configured driver. So users benchmark the
// configuration they deploy. A bad value is reported (naming it) before anything runs.
//
// Each run of a (scenario, threads) pair happens in a fresh process (fork) with a fresh
// runtime, exactly as the peers start one process per run: no run inherits warm caches or
// allocator pools from another, and the peak RSS of each run is its own. --in-process runs
// them all in this process instead (for debuggers). A progress line per run goes to stderr;
// the table (median, min, max of the runs) to stdout at the end, and with --json the
// protocol's JSON. Exit status: 0 done, 1 a run failed or the JSON could not be written,
// 2 bad usage or a bad configuration.
#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <weft/config.hpp>
#include <weft/error.hpp>
#include <weft/io_config.hpp>
#include <weft/io_stack.hpp>
#include <weft/timer_config.hpp>
#include <weft/runtime.hpp>

#include "machine.hpp"
#include "report.hpp"
#include "scenarios.hpp"

extern char** environ;

namespace {

constexpr int exit_failure = 1;
constexpr int exit_usage = 2;
constexpr std::uint32_t max_threads = 1024;  // runtime_config::workers' range

// The "total" line of the runtime's metrics text, as the library formats it.
std::string metrics_total_line(const weft::runtime_metrics& m) {
    std::string text = m.to_text();
    std::string_view rest = text;
    while (!rest.empty()) {
        std::string_view line = rest.substr(0, rest.find('\n'));
        rest.remove_prefix(std::min(rest.size(), line.size() + 1));
        auto start = line.find_first_not_of(' ');
        if (start != std::string_view::npos && line.substr(start).starts_with("total:"))
            return std::string(line.substr(start));
    }
    return "total: (not found in runtime_metrics::to_text())";
}

struct options {
    weft::runtime_config config;  // the user's; each run overrides workers and the driver
    std::vector<const weft::bench::scenario*> scenarios;
    std::vector<std::uint32_t> threads;
    std::vector<std::string> drivers;
    int reps = 0;
    std::string json_path;
    bool metrics = false;
    bool in_process = false;
};

struct run_outcome {
    double rate = 0;
    std::uint64_t peak_rss_bytes = 0;
    weft::bench::extra_figures extras;
    bool ok = false;
};

weft::io_driver_kind driver_kind(const std::string& d) {
    if (d == "epoll") return weft::io_driver_kind::epoll;
    if (d == "io_uring") return weft::io_driver_kind::io_uring;
    return weft::io_driver_kind::automatic;
}

// The WEFT_* variables of this process but WEFT_CONFIG (name -> value).
std::map<std::string, std::string> weft_environment() {
    std::map<std::string, std::string> env;
    for (char** e = environ; e && *e; ++e) {
        std::string_view kv(*e);
        auto eq = kv.find('=');
        if (eq == std::string_view::npos || !kv.starts_with("WEFT_") || kv.substr(0, eq) == "WEFT_CONFIG") continue;
        env.emplace(std::string(kv.substr(0, eq)), std::string(kv.substr(eq + 1)));
    }
    return env;
}

// The user's configuration: --config FILE (else $WEFT_CONFIG), then WEFT_*; validated.
// Throws weft::config_error.
weft::runtime_config user_config(const std::string& config_file) {
    weft::runtime_config cfg;
    if (config_file.empty()) {
        cfg.apply_process_env();
    } else {
        cfg.apply_file(config_file);
        cfg.apply_env(weft_environment());
    }
    // Read the sections of the modules weft-bench runs on, so that a bad [io] or [timers]
    // setting (WEFT_IO_DRIVER=nonsense) stops it here, naming it.
    (void)cfg.section<weft::timer_config>();
    (void)cfg.section<weft::io_config>();
    cfg.validate();
    return cfg;
}

// One run on a fresh runtime, in this process.
run_outcome run_here(const weft::runtime_config& base, const weft::bench::scenario& s, std::uint32_t threads,
                     const std::string& driver, bool metrics) {
    run_outcome out;
    weft::runtime_config cfg = base;
    cfg.workers = threads;
    cfg.section<weft::io_config>().driver = driver_kind(driver);
    weft::runtime rt(cfg);
    weft::bench::last_extras() = {};
    out.rate = s.run(rt);
    out.extras = weft::bench::last_extras();
    out.ok = true;
    if (metrics) fmt::print(stderr, "  metrics: {}\n", metrics_total_line(rt.metrics()));
    out.peak_rss_bytes = weft::bench::peak_rss_bytes();
    return out;
}

// One run in a child process; the child reports through a pipe.
run_outcome run_forked(const weft::runtime_config& base, const weft::bench::scenario& s, std::uint32_t threads,
                       const std::string& driver, bool metrics) {
    int fds[2];
    if (pipe(fds) != 0) throw std::runtime_error("pipe failed");
    std::fflush(stdout);
    std::fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
        close(fds[0]);
        run_outcome out;
        try {
            out = run_here(base, s, threads, driver, metrics);
        } catch (const std::exception& e) {
            fmt::print(stderr, "weft-bench: {} threads={}: {}\n", s.name, threads, e.what());
        }
        ssize_t n = write(fds[1], &out, sizeof out);
        _exit(n == static_cast<ssize_t>(sizeof out) && out.ok ? 0 : 1);
    }
    close(fds[1]);
    run_outcome out;
    ssize_t got = read(fds[0], &out, sizeof out);
    close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    if (got != static_cast<ssize_t>(sizeof out) || !WIFEXITED(status) || WEXITSTATUS(status) != 0) out.ok = false;
    return out;
}

std::optional<std::uint32_t> parse_threads(std::string_view s) {
    std::uint32_t v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || end != s.data() + s.size() || v == 0 || v > max_threads) return std::nullopt;
    return v;
}

std::string scenario_names() {
    std::string names;
    for (const auto& s : weft::bench::all_scenarios()) {
        if (!names.empty()) names += ", ";
        names += s.name;
    }
    return names;
}

void print_list() {
    for (const auto& s : weft::bench::all_scenarios()) fmt::print("{:<12} {:<13} {}\n", s.name, s.unit, s.summary);
}

int run(const options& opt) {
    const weft::bench::machine_info machine = weft::bench::detect_machine();
    std::vector<weft::bench::result> results;

    const std::size_t pairs = opt.scenarios.size() * opt.threads.size() * opt.drivers.size();
    std::size_t pair = 0;
    for (const weft::bench::scenario* s : opt.scenarios) {
        for (const std::string& driver : opt.drivers) {
            for (std::uint32_t threads : opt.threads) {
                ++pair;
                weft::bench::result r;
                r.scenario = s->name;
                r.threads = threads;
                r.driver = driver;
                r.unit = s->unit;
                for (int rep = 1; rep <= opt.reps; ++rep) {
                    run_outcome o = opt.in_process ? run_here(opt.config, *s, threads, driver, opt.metrics)
                                                   : run_forked(opt.config, *s, threads, driver, opt.metrics);
                    if (!o.ok)
                        throw std::runtime_error(fmt::format("{} threads={} rep {} failed", s->name, threads, rep));
                    r.runs.push_back(o.rate);
                    r.peak_rss_bytes = std::max(r.peak_rss_bytes, o.peak_rss_bytes);
                    if (o.extras.p50_us > 0) {
                        r.p50_us.push_back(o.extras.p50_us);
                        r.p99_us.push_back(o.extras.p99_us);
                        r.server_cpu_s.push_back(o.extras.server_cpu_s);
                        r.per_cpu_second.push_back(o.extras.server_cpu_s > 0
                                                       ? o.rate * weft::bench::echo_config().seconds /
                                                             o.extras.server_cpu_s
                                                       : 0);
                    }
                    fmt::print(stderr, "[{}/{}] {} threads={} driver={} rep {}/{}: {} {}\n", pair, pairs, s->name,
                               threads, driver, rep, opt.reps, weft::bench::format_rate(o.rate), s->unit);
                    std::fflush(stderr);
                }
                results.push_back(std::move(r));
            }
        }
    }

    weft::bench::print_table(stdout, machine, results);
    std::fflush(stdout);
    if (!opt.json_path.empty()) {
        weft::bench::write_json(opt.json_path, machine, results);
        fmt::print(stderr, "wrote {}\n", opt.json_path);
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"weft-bench: the workloads of ../shared/bench-protocol.md (W1-W4) on weft", "weft-bench"};
    // The protocol's order: W1-W4, then W5, W5s, W6.
    std::vector<std::string> scenario_args = {"spawn_join",  "fork_join",    "yield_many", "ping_pong",
                                              "idle_memory", "sleep_memory", "timers"};
    std::vector<std::string> thread_args = {"1", "2"};
    std::vector<std::string> driver_args = {"auto"};
    weft::bench::echo_settings& echo = weft::bench::echo_config();
    int reps = 3;
    std::string json_path;
    bool list = false;
    bool metrics = false;
    app.add_option("--scenario", scenario_args, "Scenarios to run, comma-separated (see --list)")
        ->delimiter(',')
        ->type_name("NAME[,NAME...]")
        ->default_str("spawn_join,fork_join,yield_many,ping_pong,idle_memory,sleep_memory,timers");
    app.add_option("--threads", thread_args, "Worker counts to run each scenario with, comma-separated")
        ->delimiter(',')
        ->type_name("N[,N...]")
        ->default_str("the configured workers, else 1,2");
    app.add_option("--driver", driver_args, "I/O drivers to run each scenario with, comma-separated")
        ->delimiter(',')
        ->check(CLI::IsMember({"auto", "epoll", "io_uring"}))
        ->default_str("the configured one");
    app.add_option("--connections", echo.connections, "echo: connections of the load")
        ->check(CLI::Range(1, 20000))
        ->capture_default_str();
    app.add_option("--size", echo.size, "echo: message bytes")->check(CLI::Range(1, 4096))->capture_default_str();
    app.add_option("--duration", echo.seconds, "echo: seconds of load per run")
        ->check(CLI::Range(0.1, 600.0))
        ->capture_default_str();
    app.add_option("--target", echo.target, "echo: load an external server at HOST:PORT instead of serving here");
    app.add_option("--reps", reps, "Runs of each (scenario, threads) pair")
        ->check(CLI::Range(1, 1000))
        ->capture_default_str();
    app.add_option("--json", json_path, "Also write the results to FILE as JSON")->type_name("FILE");
    std::string config_file;
    app.add_option("--config", config_file, "Start from this TOML config file instead of $WEFT_CONFIG")
        ->type_name("FILE");
    app.add_flag("--list", list, "List the scenarios and exit");
    app.add_flag("--metrics", metrics, "Print each run's runtime metrics (total line) to stderr");
    bool in_process = false;
    app.add_flag("--in-process", in_process, "Run every rep in this process instead of a fresh one each");
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e) == 0 ? 0 : exit_usage;
    }

    if (list) {
        print_list();
        return 0;
    }

    options opt;
    try {
        opt.config = user_config(config_file);
    } catch (const weft::config_error& e) {
        fmt::print(stderr, "weft-bench: {}\n", e.what());
        return exit_usage;
    }
    // Flags override the configuration; what they leave out comes from it.
    if (app.count("--driver") == 0) driver_args = {weft::to_string(opt.config.section<weft::io_config>().driver)};
    if (app.count("--threads") == 0 && opt.config.workers != 0) thread_args = {std::to_string(opt.config.workers)};
    opt.drivers = driver_args;
    opt.reps = reps;
    opt.json_path = json_path;
    opt.metrics = metrics;
    opt.in_process = in_process;
    for (const std::string& name : scenario_args) {
        const weft::bench::scenario* s = weft::bench::find_scenario(name);
        if (!s) {
            fmt::print(stderr, "weft-bench: unknown scenario '{}' (known: {})\n", name, scenario_names());
            return exit_usage;
        }
        opt.scenarios.push_back(s);
    }
    for (const std::string& t : thread_args) {
        std::optional<std::uint32_t> n = parse_threads(t);
        if (!n) {
            fmt::print(stderr, "weft-bench: bad thread count '{}' (want integers 1..{}, comma-separated)\n", t,
                       max_threads);
            return exit_usage;
        }
        opt.threads.push_back(*n);
    }
    if (opt.scenarios.empty() || opt.threads.empty()) {
        fmt::print(stderr, "weft-bench: nothing to run (no scenario or no thread count)\n");
        return exit_usage;
    }

    try {
        return run(opt);
    } catch (const std::exception& e) {
        fmt::print(stderr, "weft-bench: {}\n", e.what());
        return exit_failure;
    }
}
