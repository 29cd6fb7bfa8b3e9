// weft-bench runs with the user's configuration: the WEFT_* variables and $WEFT_CONFIG (or
// --config FILE) are applied, flags override them, and a bad value is reported (naming it)
// with exit status 2 before anything runs. The weft-bench binary is run as a process;
// meson passes its path. Runs are one rep of W1 (spawn_join) at one thread, in process.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <iterator>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "../process_support.hpp"

namespace {

std::string weft_bench;  // argv[1]

bool says(const weft::test::process_result& r, const std::string& what) {
    return r.output.find(what) != std::string::npos;
}

weft::test::process_result bench(std::vector<std::string> args,
                                 const std::vector<std::pair<std::string, std::string>>& env = {}) {
    args.insert(args.begin(), weft_bench);
    return weft::test::run_process(args, env, std::chrono::seconds(120));
}

const std::vector<std::string> one_run = {"--scenario", "spawn_join", "--reps", "1", "--in-process"};

std::vector<std::string> with(std::vector<std::string> extra) {
    auto a = one_run;
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
}

std::string write_file(const std::string& name, const std::string& text) {
    std::string path = ::testing::TempDir() + name;
    std::ofstream(path) << text;
    return path;
}

TEST(weft_bench, a_bad_environment_value_is_an_error_naming_it) {
    if (weft_bench.empty()) GTEST_SKIP() << "benchmarks not built";
    auto r = bench(with({"--threads", "1"}), {{"WEFT_IO_DRIVER", "nonsense"}});
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_TRUE(says(r, "io.driver") && says(r, "'nonsense'")) << r.output;
    EXPECT_FALSE(says(r, "rep 1/1")) << "it ran:\n" << r.output;
}

TEST(weft_bench, a_bad_config_file_is_an_error_naming_it) {
    if (weft_bench.empty()) GTEST_SKIP() << "benchmarks not built";
    auto path = write_file("bench_bad.toml", "local_queue_capacity = 100\n");
    auto r = bench(with({"--threads", "1", "--config", path}));
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_TRUE(says(r, path) && says(r, "local_queue_capacity")) << r.output;

    r = bench(with({"--threads", "1"}), {{"WEFT_CONFIG", path}});
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_TRUE(says(r, path)) << r.output;

    r = bench(with({"--threads", "1"}), {{"WEFT_CONFIG", "/dev/zero"}});
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_TRUE(says(r, "/dev/zero")) << r.output;
}

TEST(weft_bench, starts_from_the_configuration_and_flags_override_it) {
    if (weft_bench.empty()) GTEST_SKIP() << "benchmarks not built";
    // Workers and driver from the environment (no --threads, no --driver).
    auto r = bench(one_run, {{"WEFT_WORKERS", "1"}, {"WEFT_IO_DRIVER", "epoll"}});
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_TRUE(says(r, "threads=1 driver=epoll rep 1/1")) << r.output;
    EXPECT_FALSE(says(r, "threads=2")) << r.output;
    // From a --config file, the environment over it, the flags over both.
    auto path = write_file("bench_good.toml", "workers = 2\n[io]\ndriver = \"io_uring\"\n");
    r = bench(with({"--config", path}), {{"WEFT_IO_DRIVER", "epoll"}});
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_TRUE(says(r, "threads=2 driver=epoll rep 1/1")) << r.output;
    r = bench(with({"--config", path, "--threads", "1", "--driver", "epoll"}));
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_TRUE(says(r, "threads=1 driver=epoll rep 1/1")) << r.output;
}

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(weft_bench, a_sweep_names_the_best_worker_count_and_writes_json_and_a_plot) {
    if (weft_bench.empty()) GTEST_SKIP() << "benchmarks not built";
    const std::string json = ::testing::TempDir() + "sweep.json";
    const std::string png = ::testing::TempDir() + "sweep.png";
    std::remove(png.c_str());
    auto r = bench({"--scenario", "yield_many", "--threads", "1..2", "--reps", "1", "--in-process", "--json", json,
                    "--plot", png});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_TRUE(says(r, "threads=1 driver") && says(r, "threads=2 driver")) << r.output;
    EXPECT_TRUE(says(r, "sweep: best worker count")) << r.output;
    const auto doc = nlohmann::json::parse(read_file(json));
    ASSERT_EQ(doc["sweep"].size(), 1u) << doc.dump(2);
    const auto& s = doc["sweep"][0];
    EXPECT_EQ(s["scenario"], "yield_many");
    EXPECT_TRUE(s["best_threads"] == 1 || s["best_threads"] == 2) << s.dump();
    ASSERT_EQ(s["points"].size(), 2u);
    EXPECT_DOUBLE_EQ(s["points"][0]["efficiency"].get<double>(), 1.0);  // 1 worker against itself
    EXPECT_GT(s["points"][1]["efficiency"].get<double>(), 0.0);
    // A PNG, and more than a blank canvas.
    const std::string img = read_file(png);
    ASSERT_GT(img.size(), 10'000u) << png;
    EXPECT_EQ(img.substr(1, 3), "PNG");
}

TEST(weft_bench, a_baseline_comparison_exits_non_zero_past_the_allowed_regression) {
    if (weft_bench.empty()) GTEST_SKIP() << "benchmarks not built";
    const std::string json = ::testing::TempDir() + "base.json";
    auto r = bench(with({"--threads", "1", "--json", json}));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    auto doc = nlohmann::json::parse(read_file(json));
    // Against a baseline ten times faster: a regression, exit 3.
    auto fast = doc;
    for (auto& x : fast["results"]) {
        for (const char* k : {"median", "min", "max"}) x[k] = x[k].get<double>() * 10;
    }
    const std::string fast_path = write_file("fast_base.json", fast.dump());
    r = bench(with({"--threads", "1", "--baseline", fast_path, "--max-regression", "10"}));
    EXPECT_EQ(r.exit_code, 3) << r.output;
    EXPECT_TRUE(says(r, "REGRESSION")) << r.output;
    // Against a baseline ten times slower: fine.
    auto slow = doc;
    for (auto& x : slow["results"]) {
        for (const char* k : {"median", "min", "max"}) x[k] = x[k].get<double>() / 10;
    }
    r = bench(with({"--threads", "1", "--baseline", write_file("slow_base.json", slow.dump())}));
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_TRUE(says(r, "ratio")) << r.output;
    // Not a weft-bench file: an error naming it.
    r = bench(with({"--threads", "1", "--baseline", write_file("junk.json", "{\"x\": 1}")}));
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_TRUE(says(r, "junk.json")) << r.output;
}

}  // namespace

int main(int argc, char** argv) {
    ::testing::InitGoogleTest(&argc, argv);
    if (argc > 1) weft_bench = argv[1];
    return RUN_ALL_TESTS();
}
