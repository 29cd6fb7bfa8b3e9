// sweep.cpp — best worker count and efficiency per scenario; comparison with a baseline.
#include "sweep.hpp"

#include <algorithm>
#include <fstream>
#include <map>
#include <stdexcept>

#include <fmt/format.h>

namespace weft::bench {
namespace {

// How much better `a` is than `b` (> 1: better), whatever the unit's direction.
double better_ratio(const std::string& unit, double a, double b) {
    if (a <= 0 || b <= 0) return 0;
    return lower_is_better(unit) ? b / a : a / b;
}

double spread(double median, double lo, double hi) { return median > 0 ? (hi - lo) / median : 0; }

}  // namespace

bool lower_is_better(const std::string& unit) { return unit == "bytes/task" || unit == "ms"; }

std::vector<sweep_summary> summarize_sweeps(const std::vector<result>& results) {
    std::map<std::pair<std::string, std::string>, sweep_summary> by_key;
    std::vector<std::pair<std::string, std::string>> order;
    for (const result& r : results) {
        auto key = std::make_pair(r.scenario, r.driver);
        auto [it, fresh] = by_key.try_emplace(key);
        if (fresh) {
            order.push_back(key);
            it->second.scenario = r.scenario;
            it->second.driver = r.driver;
            it->second.unit = r.unit;
        }
        it->second.points.push_back({r.threads, r.median(), 0});
    }
    std::vector<sweep_summary> out;
    for (const auto& key : order) {
        sweep_summary s = by_key[key];
        std::sort(s.points.begin(), s.points.end(), [](auto& a, auto& b) { return a.threads < b.threads; });
        const sweep_point* one = nullptr;
        for (const auto& p : s.points)
            if (p.threads == 1) one = &p;
        const sweep_point* best = &s.points.front();
        for (auto& p : s.points) {
            // Per-thread efficiency only means something for throughputs.
            if (one && one->median > 0 && !lower_is_better(s.unit)) p.efficiency = (p.median / p.threads) / one->median;
            if (better_ratio(s.unit, p.median, best->median) > 1) best = &p;
        }
        s.best_threads = best->threads;
        out.push_back(std::move(s));
    }
    return out;
}

void print_sweeps(std::FILE* out, const std::vector<sweep_summary>& sweeps) {
    bool any = false;
    for (const auto& s : sweeps) any |= s.points.size() > 1;
    if (!any) return;
    fmt::print(out, "\nsweep: best worker count per scenario (efficiency = per-thread throughput vs 1 worker)\n");
    for (const auto& s : sweeps) {
        if (s.points.size() < 2) continue;
        std::string pts;
        for (const auto& p : s.points) {
            pts += fmt::format("  {}w {}", p.threads, format_rate(p.median));
            if (p.efficiency > 0) pts += fmt::format(" ({:.0f}%)", p.efficiency * 100);
        }
        fmt::print(out, "{:<13} {:<8} best {:>3} workers;{}\n", s.scenario, s.driver, s.best_threads, pts);
    }
}

nlohmann::ordered_json sweeps_to_json(const std::vector<sweep_summary>& sweeps) {
    auto arr = nlohmann::ordered_json::array();
    for (const auto& s : sweeps) {
        auto pts = nlohmann::ordered_json::array();
        for (const auto& p : s.points)
            pts.push_back({{"threads", p.threads},
                           {"median", p.median},
                           {"efficiency", p.efficiency > 0 ? nlohmann::ordered_json(p.efficiency) : nullptr}});
        arr.push_back({{"scenario", s.scenario},
                       {"driver", s.driver},
                       {"unit", s.unit},
                       {"best_threads", s.best_threads},
                       {"points", pts}});
    }
    return arr;
}

std::vector<baseline_row> compare_to_baseline(const std::string& path, const std::vector<result>& results,
                                              double max_regression) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error("--baseline: cannot open " + path);
    nlohmann::json doc;
    try {
        doc = nlohmann::json::parse(in);
    } catch (const nlohmann::json::exception& e) {
        throw std::runtime_error("--baseline: " + path + " is not JSON: " + e.what());
    }
    if (!doc.contains("results") || !doc["results"].is_array())
        throw std::runtime_error("--baseline: " + path + " has no \"results\" array (not a weft-bench --json file)");
    std::vector<baseline_row> rows;
    for (const result& r : results) {
        for (const auto& o : doc["results"]) {
            if (o.value("scenario", "") != r.scenario || o.value("threads", 0u) != r.threads ||
                o.value("driver", "") != r.driver)
                continue;
            baseline_row row;
            row.scenario = r.scenario;
            row.driver = r.driver;
            row.unit = r.unit;
            row.threads = r.threads;
            row.old_median = o.value("median", 0.0);
            row.new_median = r.median();
            row.ratio = better_ratio(r.unit, row.new_median, row.old_median);
            row.noise = std::max(spread(row.old_median, o.value("min", row.old_median), o.value("max", row.old_median)),
                                 spread(row.new_median, r.min(), r.max()));
            row.regressed = row.ratio > 0 && row.ratio < 1 - std::max(row.noise, max_regression);
            rows.push_back(row);
        }
    }
    return rows;
}

void print_baseline(std::FILE* out, const std::vector<baseline_row>& rows, double max_regression) {
    fmt::print(out, "\nagainst the baseline (ratio > 1: better; regression: below 1 - max(noise, {:.0f}%))\n",
               max_regression * 100);
    for (const auto& r : rows)
        fmt::print(out, "{:<13} {:>3}w {:<8} {:>9} -> {:>9}  ratio {:.3f}  noise ±{:.1f}%{}\n", r.scenario, r.threads,
                   r.driver, format_rate(r.old_median), format_rate(r.new_median), r.ratio, r.noise * 100,
                   r.regressed ? "  REGRESSION" : "");
    if (rows.empty()) fmt::print(out, "(no (scenario, threads, driver) in common with the baseline)\n");
}

}  // namespace weft::bench
