// weft-bench runs with the user's configuration: the WEFT_* variables and $WEFT_CONFIG (or
// --config FILE) are applied, flags override them, and a bad value is reported (naming it)
// with exit status 2 before anything runs. The weft-bench binary is run as a process;
// meson passes its path. Runs are one rep of W1 (spawn_join) at one thread, in process.
#include <gtest/gtest.h>

#include <fstream>
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

}  // namespace

int main(int argc, char** argv) {
    ::testing::InitGoogleTest(&argc, argv);
    if (argc > 1) weft_bench = argv[1];
    return RUN_ALL_TESTS();
}
