// sweep.hpp — what weft-bench concludes from its runs: per scenario (and driver), the best
// worker count and the per-thread efficiency of each count against one worker; and the
// comparison with an earlier run's JSON (--baseline), with a noise band.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "report.hpp"

namespace weft::bench {

// Units where less is better (bytes per task, milliseconds).
bool lower_is_better(const std::string& unit);

struct sweep_point {
    std::uint32_t threads = 0;
    double median = 0;
    double efficiency = 0;  // (median / threads) / (median at 1 thread); 0 without a 1-thread run
};
struct sweep_summary {
    std::string scenario, driver, unit;
    std::uint32_t best_threads = 0;
    std::vector<sweep_point> points;
};

std::vector<sweep_summary> summarize_sweeps(const std::vector<result>& results);
void print_sweeps(std::FILE* out, const std::vector<sweep_summary>& sweeps);
nlohmann::ordered_json sweeps_to_json(const std::vector<sweep_summary>& sweeps);

struct baseline_row {
    std::string scenario, driver, unit;
    std::uint32_t threads = 0;
    double old_median = 0, new_median = 0;
    double ratio = 0;        // new / old, > 1 is better (inverted for lower-is-better units)
    double noise = 0;        // the larger relative spread (max-min)/median of the two runs
    bool regressed = false;  // ratio below 1 - max(noise, max_regression)
};

// Reads the baseline JSON (weft-bench --json); throws std::runtime_error naming the file
// and what is wrong. `max_regression` is a fraction (0.05 = 5%).
std::vector<baseline_row> compare_to_baseline(const std::string& path, const std::vector<result>& results,
                                              double max_regression);
void print_baseline(std::FILE* out, const std::vector<baseline_row>& rows, double max_regression);

}  // namespace weft::bench
