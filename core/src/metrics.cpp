// metrics.cpp — formatting of metrics snapshots (text with fmt, JSON with nlohmann-json,
// the Prometheus text exposition format).
#include <weft/metrics.hpp>

#include <cmath>
#include <limits>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace weft {
namespace {

nlohmann::json to_json_obj(const histogram& h) {
    nlohmann::json b = nlohmann::json::array();
    for (std::size_t i = 0; i < histogram::buckets; ++i) b.push_back(h.counts[i]);
    return {{"count", h.count},
            {"sum_s", h.sum_s},
            {"buckets", std::move(b)},
            {"p50_s", h.quantile_s(0.5)},
            {"p99_s", h.quantile_s(0.99)}};
}

nlohmann::json to_json_obj(const worker_metrics& w) {
    return {{"tasks_polled", w.tasks_polled},
            {"local_spawns", w.local_spawns},
            {"steal_attempts", w.steal_attempts},
            {"tasks_stolen", w.tasks_stolen},
            {"parks", w.parks},
            {"unparks", w.unparks},
            {"global_queue_pops", w.global_queue_pops},
            {"overflows", w.overflows},
            {"local_queue_depth", w.local_queue_depth},
            {"timers_armed", w.timers_armed},
            {"io_driver", w.io_driver},
            {"poll_duration", to_json_obj(w.poll_duration)},
            {"io_latency", to_json_obj(w.io_latency)}};
}

std::string line(const std::string& who, const worker_metrics& w) {
    return fmt::format(
        "{:>6}: polled={} spawned={} steal_attempts={} stolen={} parks={} unparks={} "
        "global_pops={} overflows={} depth={} timers={} poll_p99={:.1f}us io_waits={} io_p99={:.1f}us\n",
        who, w.tasks_polled, w.local_spawns, w.steal_attempts, w.tasks_stolen, w.parks, w.unparks, w.global_queue_pops,
        w.overflows, w.local_queue_depth, w.timers_armed, w.poll_duration.quantile_s(0.99) * 1e6, w.io_latency.count,
        w.io_latency.quantile_s(0.99) * 1e6);
}

// Prometheus: a float as the format wants it (+Inf, no exponent surprises).
std::string prom_number(double v) {
    if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
    return fmt::format("{}", v);
}

struct prom_writer {
    std::string out;
    void head(const char* name, const char* type, const char* help) {
        out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
    }
    void sample(const char* name, const std::string& labels, double v) {
        out += labels.empty() ? fmt::format("{} {}\n", name, prom_number(v))
                              : fmt::format("{}{{{}}} {}\n", name, labels, prom_number(v));
    }
    void hist(const char* name, const std::string& labels, const histogram& h) {
        std::uint64_t cum = 0;
        const std::string sep = labels.empty() ? "" : ",";
        for (std::size_t i = 0; i < histogram::buckets; ++i) {
            cum += h.counts[i];
            out += fmt::format("{}_bucket{{{}{}le=\"{}\"}} {}\n", name, labels, sep,
                               prom_number(histogram::upper_bound_s(i)), cum);
        }
        sample((std::string(name) + "_sum").c_str(), labels, h.sum_s);
        sample((std::string(name) + "_count").c_str(), labels, static_cast<double>(h.count));
    }
};

std::string worker_label(std::size_t i) { return fmt::format("worker=\"{}\"", i); }

}  // namespace

double histogram::upper_bound_s(std::size_t i) noexcept {
    if (i + 1 >= buckets) return std::numeric_limits<double>::infinity();
    return std::ldexp(1.0, static_cast<int>(i) + first_shift) / 1e9;
}

double histogram::quantile_s(double q) const noexcept {
    if (count == 0) return 0;
    const auto want = static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(count)));
    std::uint64_t cum = 0;
    for (std::size_t i = 0; i < buckets; ++i) {
        cum += counts[i];
        if (cum >= want && cum > 0) return i + 1 < buckets ? upper_bound_s(i) : upper_bound_s(buckets - 2);
    }
    return upper_bound_s(buckets - 2);
}

histogram& histogram::operator+=(const histogram& o) noexcept {
    for (std::size_t i = 0; i < buckets; ++i) counts[i] += o.counts[i];
    count += o.count;
    sum_s += o.sum_s;
    return *this;
}

worker_metrics& worker_metrics::operator+=(const worker_metrics& o) {
    tasks_polled += o.tasks_polled;
    local_spawns += o.local_spawns;
    steal_attempts += o.steal_attempts;
    tasks_stolen += o.tasks_stolen;
    parks += o.parks;
    unparks += o.unparks;
    global_queue_pops += o.global_queue_pops;
    overflows += o.overflows;
    local_queue_depth += o.local_queue_depth;
    timers_armed += o.timers_armed;
    poll_duration += o.poll_duration;
    io_latency += o.io_latency;
    if (io_driver.empty()) io_driver = o.io_driver;
    return *this;
}

worker_metrics runtime_metrics::total() const {
    worker_metrics t;
    for (auto& w : workers) t += w;
    return t;
}

std::string runtime_metrics::to_text() const {
    std::string s;
    for (std::size_t i = 0; i < workers.size(); ++i) s += line(fmt::format("w{}", i), workers[i]);
    s += line("total", total());
    s += fmt::format(
        "remote_spawns={} global_queue_depth={} suspended_tasks={} running_tasks={} live_tasks={} open_fds={} "
        "stalls={} scheduling_delays={} scheduling_delay_p99={:.1f}us\n",
        remote_spawns, global_queue_depth, suspended_tasks, running_tasks, live_tasks, open_fds, stalls,
        scheduling_delays, scheduling_delay.quantile_s(0.99) * 1e6);
    if (!suspended_by_kind.empty()) {
        s += "suspended by kind:";
        for (const auto& [k, n] : suspended_by_kind) s += fmt::format(" {}={}", k, n);
        s += '\n';
    }
    return s;
}

std::string runtime_metrics::to_json() const {
    nlohmann::json j;
    j["workers"] = nlohmann::json::array();
    for (auto& w : workers) j["workers"].push_back(to_json_obj(w));
    j["total"] = to_json_obj(total());
    j["remote_spawns"] = remote_spawns;
    j["global_queue_depth"] = global_queue_depth;
    j["suspended_tasks"] = suspended_tasks;
    j["suspended_by_kind"] = suspended_by_kind;
    j["running_tasks"] = running_tasks;
    j["live_tasks"] = live_tasks;
    j["open_fds"] = open_fds;
    j["stalls"] = stalls;
    j["scheduling_delays"] = scheduling_delays;
    j["scheduling_delay"] = to_json_obj(scheduling_delay);
    return j.dump();
}

std::string runtime_metrics::to_prometheus() const {
    prom_writer p;
    struct counter_def {
        const char* name;
        const char* help;
        std::uint64_t worker_metrics::*field;
    };
    static const counter_def counters[] = {
        {"weft_tasks_polled_total", "Resumptions started by the worker loop.", &worker_metrics::tasks_polled},
        {"weft_local_spawns_total", "Tasks spawned or woken onto the worker's queue.", &worker_metrics::local_spawns},
        {"weft_steal_attempts_total", "Victims a worker tried to steal from.", &worker_metrics::steal_attempts},
        {"weft_tasks_stolen_total", "Tasks taken from other workers.", &worker_metrics::tasks_stolen},
        {"weft_parks_total", "Times the worker went to sleep.", &worker_metrics::parks},
        {"weft_unparks_total", "Times the worker woke up to search.", &worker_metrics::unparks},
        {"weft_global_queue_pops_total", "Tasks taken from the global queue.", &worker_metrics::global_queue_pops},
        {"weft_overflows_total", "Times the local queue spilled to the global queue.", &worker_metrics::overflows},
    };
    for (const auto& c : counters) {
        p.head(c.name, "counter", c.help);
        for (std::size_t i = 0; i < workers.size(); ++i)
            p.sample(c.name, worker_label(i), static_cast<double>(workers[i].*c.field));
    }
    p.head("weft_local_queue_depth", "gauge", "Tasks in the worker's local queue.");
    for (std::size_t i = 0; i < workers.size(); ++i)
        p.sample("weft_local_queue_depth", worker_label(i), static_cast<double>(workers[i].local_queue_depth));
    p.head("weft_timers_armed", "gauge", "Timers armed in the worker's timer wheel.");
    for (std::size_t i = 0; i < workers.size(); ++i)
        p.sample("weft_timers_armed", worker_label(i), static_cast<double>(workers[i].timers_armed));
    p.head("weft_poll_duration_seconds", "histogram", "Duration of a task resumption (one in 128 is timed).");
    for (std::size_t i = 0; i < workers.size(); ++i)
        p.hist("weft_poll_duration_seconds", worker_label(i), workers[i].poll_duration);
    p.head("weft_io_op_latency_seconds", "histogram", "Latency of I/O ops that waited, by driver.");
    for (std::size_t i = 0; i < workers.size(); ++i)
        if (!workers[i].io_driver.empty())
            p.hist("weft_io_op_latency_seconds", fmt::format("{},driver=\"{}\"", worker_label(i), workers[i].io_driver),
                   workers[i].io_latency);
    p.head("weft_scheduling_delay_seconds", "histogram",
           "Time a probe task waited in the global queue (stall detector on).");
    p.hist("weft_scheduling_delay_seconds", "", scheduling_delay);
    const std::pair<const char*, std::pair<const char*, std::uint64_t>> gauges[] = {
        {"weft_global_queue_depth", {"Tasks in the global queue.", global_queue_depth}},
        {"weft_suspended_tasks", {"Spawned tasks suspended on a wait.", suspended_tasks}},
        {"weft_running_tasks", {"Workers running a task.", running_tasks}},
        {"weft_live_tasks", {"Tasks suspended, queued or running.", live_tasks}},
        {"weft_open_fds", {"Descriptors open in the process.", open_fds}},
    };
    for (const auto& [name, g] : gauges) {
        p.head(name, "gauge", g.first);
        p.sample(name, "", static_cast<double>(g.second));
    }
    p.head("weft_suspended_tasks_by_kind", "gauge", "Suspended tasks by what they wait on.");
    for (const auto& [k, n] : suspended_by_kind)
        p.sample("weft_suspended_tasks_by_kind", fmt::format("kind=\"{}\"", k), static_cast<double>(n));
    p.head("weft_remote_spawns_total", "counter", "Spawns from threads that are not workers.");
    p.sample("weft_remote_spawns_total", "", static_cast<double>(remote_spawns));
    p.head("weft_stalls_total", "counter", "Workers found running one task past the stall threshold.");
    p.sample("weft_stalls_total", "", static_cast<double>(stalls));
    p.head("weft_scheduling_delays_total", "counter", "Probes that waited past the stall threshold.");
    p.sample("weft_scheduling_delays_total", "", static_cast<double>(scheduling_delays));
    return p.out;
}

}  // namespace weft
