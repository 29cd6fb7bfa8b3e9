// report.hpp — weft-bench's results: the table on stdout and the JSON file of
// bench-protocol.md ("weft-bench's output"), field for field.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "machine.hpp"

namespace weft::bench {

// All repetitions of one (scenario, threads) pair.
struct result {
    std::string scenario;
    std::uint32_t threads = 0;
    std::string driver;
    std::string unit;
    std::vector<double> runs;  // rates, in run order
    std::uint64_t peak_rss_bytes = 0;
    // W7 only (empty otherwise): per run, latency percentiles and the server's CPU seconds.
    std::vector<double> p50_us, p99_us, server_cpu_s, per_cpu_second;

    double median() const;
    double min() const;
    double max() const;
};

double median_of(std::vector<double> v);

// A rate in a few characters: 8.12M, 812k, 812, 8.12.
std::string format_rate(double rate);

void print_table(std::FILE* out, const machine_info& machine, const std::vector<result>& results);

// Throws std::runtime_error if the file cannot be written.
// `extra`'s keys (the sweep summary, the baseline comparison) are added at the top level.
void write_json(const std::string& path, const machine_info& machine, const std::vector<result>& results,
                const nlohmann::ordered_json& extra = nlohmann::ordered_json::object());

}  // namespace weft::bench
