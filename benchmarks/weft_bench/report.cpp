// report.cpp — the results table (fmt) and the protocol's JSON file (nlohmann-json, keys in
// the protocol's order).
#include "report.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <fstream>
#include <stdexcept>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace weft::bench {
namespace {

std::string format_mib(std::uint64_t bytes) {
    return fmt::format("{:.1f} MiB", static_cast<double>(bytes) / (1024.0 * 1024.0));
}

}  // namespace

double result::median() const { return median_of(runs); }

double median_of(std::vector<double> v) {
    if (v.empty()) return NAN;
    std::sort(v.begin(), v.end());
    std::size_t mid = v.size() / 2;
    return v.size() % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

double result::min() const { return runs.empty() ? NAN : *std::min_element(runs.begin(), runs.end()); }

double result::max() const { return runs.empty() ? NAN : *std::max_element(runs.begin(), runs.end()); }

// Same thresholds as ../shared/peers/results/summarize.py, so the tables read alike.
std::string format_rate(double rate) {
    if (std::isnan(rate)) return "n/a";
    double a = std::fabs(rate);
    if (a >= 1e6) return fmt::format("{:.2f}M", rate / 1e6);
    if (a >= 1e4) return fmt::format("{:.0f}k", rate / 1e3);
    if (a >= 100) return fmt::format("{:.0f}", rate);
    return fmt::format("{:.3g}", rate);
}

void print_table(std::FILE* out, const machine_info& machine, const std::vector<result>& results) {
    fmt::print(out, "machine: {}, {} cpus, {}, {}, {} build\n", machine.cpu_model, machine.cpus, machine.kernel,
               machine.compiler, machine.build_type);

    constexpr std::size_t columns = 8;
    using row = std::array<std::string, columns>;
    std::vector<row> rows;
    rows.push_back({"scenario", "threads", "driver", "unit", "median", "min", "max", "peak RSS"});
    for (const result& r : results)
        rows.push_back({r.scenario, fmt::format("{}", r.threads), r.driver, r.unit, format_rate(r.median()),
                        format_rate(r.min()), format_rate(r.max()), format_mib(r.peak_rss_bytes)});

    std::array<std::size_t, columns> width{};
    for (const row& r : rows)
        for (std::size_t c = 0; c < columns; ++c) width[c] = std::max(width[c], r[c].size());

    // Text columns left-aligned, numbers right-aligned.
    constexpr std::array<bool, columns> right = {false, true, false, false, true, true, true, true};
    for (const row& r : rows) {
        std::string line;
        for (std::size_t c = 0; c < columns; ++c) {
            if (c) line += "  ";
            line += right[c] ? fmt::format("{:>{}}", r[c], width[c]) : fmt::format("{:<{}}", r[c], width[c]);
        }
        while (!line.empty() && line.back() == ' ') line.pop_back();
        fmt::print(out, "{}\n", line);
    }
    fmt::print(out, "(each run in a fresh process; peak RSS: the largest of the runs' high-water marks)\n");
    bool any_echo = false;
    for (const result& r : results) any_echo |= !r.p50_us.empty();
    if (!any_echo) return;
    fmt::print(out, "\n{:<10} {:>7} {:<9} {:>9} {:>9} {:>13} {:>20}\n", "scenario", "threads", "driver", "p50 us",
               "p99 us", "server CPU s", "per server CPU-s");
    for (const result& r : results)
        if (!r.p50_us.empty())
            fmt::print(out, "{:<10} {:>7} {:<9} {:>9.1f} {:>9.1f} {:>13.2f} {:>20}\n", r.scenario, r.threads, r.driver,
                       median_of(r.p50_us), median_of(r.p99_us), median_of(r.server_cpu_s),
                       format_rate(median_of(r.per_cpu_second)));
    fmt::print(out, "(medians; server CPU: this process minus the load thread, over the load's run)\n");
}

void write_json(const std::string& path, const machine_info& machine, const std::vector<result>& results,
                const nlohmann::ordered_json& extra) {
    nlohmann::ordered_json doc;
    doc["machine"] = {{"cpus", machine.cpus},
                      {"kernel", machine.kernel},
                      {"compiler", machine.compiler},
                      {"build_type", machine.build_type},
                      {"cpu_model", machine.cpu_model}};
    doc["results"] = nlohmann::ordered_json::array();
    for (const result& r : results) {
        doc["results"].push_back({{"scenario", r.scenario},
                                  {"threads", r.threads},
                                  {"driver", r.driver},
                                  {"unit", r.unit},
                                  {"median", r.median()},
                                  {"min", r.min()},
                                  {"max", r.max()},
                                  {"runs", r.runs},
                                  {"peak_rss_bytes", r.peak_rss_bytes}});
        if (!r.p50_us.empty()) {
            auto& j = doc["results"].back();
            j["p50_us"] = median_of(r.p50_us);
            j["p99_us"] = median_of(r.p99_us);
            j["server_cpu_s"] = median_of(r.server_cpu_s);
            j["roundtrips_per_server_cpu_s"] = median_of(r.per_cpu_second);
        }
    }
    for (const auto& [k, v] : extra.items()) doc[k] = v;
    std::ofstream out(path);
    if (!out) throw std::runtime_error("cannot open " + path + " for writing");
    out << doc.dump(2) << '\n';
    out.close();
    if (!out) throw std::runtime_error("cannot write " + path);
}

}  // namespace weft::bench
