// metrics.cpp — formatting of metrics snapshots (text with fmt, JSON with nlohmann-json).
#include <weft/metrics.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace weft {
namespace {

nlohmann::json to_json_obj(const worker_metrics& w) {
    return {{"tasks_polled", w.tasks_polled},
            {"local_spawns", w.local_spawns},
            {"steal_attempts", w.steal_attempts},
            {"tasks_stolen", w.tasks_stolen},
            {"parks", w.parks},
            {"unparks", w.unparks},
            {"global_queue_pops", w.global_queue_pops},
            {"overflows", w.overflows},
            {"local_queue_depth", w.local_queue_depth}};
}

std::string line(const std::string& who, const worker_metrics& w) {
    return fmt::format(
        "{:>6}: polled={} spawned={} steal_attempts={} stolen={} parks={} unparks={} "
        "global_pops={} overflows={} depth={}\n",
        who, w.tasks_polled, w.local_spawns, w.steal_attempts, w.tasks_stolen, w.parks, w.unparks, w.global_queue_pops,
        w.overflows, w.local_queue_depth);
}

}  // namespace

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
    s += fmt::format("remote_spawns={} global_queue_depth={} suspended_tasks={} stalls={} scheduling_delays={}\n",
                     remote_spawns, global_queue_depth, suspended_tasks, stalls, scheduling_delays);
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
    j["stalls"] = stalls;
    j["scheduling_delays"] = scheduling_delays;
    return j.dump();
}

}  // namespace weft
