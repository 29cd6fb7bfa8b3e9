// The examples as a user runs them, with a configuration they got wrong: each prints the
// config_error (naming the variable and the value) and exits with status 2 — never
// std::terminate. And echo_server rejects a bad flag value, naming it.
// meson passes the example programs as arguments.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "../process_support.hpp"

namespace {

std::vector<std::string> programs;  // set from argv by main()

bool says(const weft::test::process_result& r, const std::string& what) {
    return r.output.find(what) != std::string::npos;
}

TEST(examples, a_bad_environment_variable_is_printed_not_a_terminate) {
    if (programs.empty()) GTEST_SKIP() << "examples not built";
    for (const auto& p : programs) {
        auto r = weft::test::run_process({p}, {{"WEFT_WORKERS", "abc"}});
        EXPECT_EQ(r.exit_code, 2) << p << ":\n" << r.output;
        EXPECT_TRUE(says(r, "WEFT_WORKERS") && says(r, "'abc'")) << p << ":\n" << r.output;
        EXPECT_FALSE(says(r, "terminate called")) << p << ":\n" << r.output;
    }
}

TEST(examples, a_config_file_that_is_not_a_file_is_printed) {
    if (programs.empty()) GTEST_SKIP() << "examples not built";
    for (const auto& p : programs) {
        auto r = weft::test::run_process({p}, {{"WEFT_CONFIG", "/dev/zero"}});
        EXPECT_EQ(r.exit_code, 2) << p << ":\n" << r.output;
        EXPECT_TRUE(says(r, "/dev/zero") && says(r, "not a regular file")) << p << ":\n" << r.output;
    }
}

TEST(examples, echo_server_rejects_a_negative_grace_period) {
    std::string echo_server;
    for (const auto& p : programs)
        if (p.ends_with("/echo_server")) echo_server = p;
    if (echo_server.empty()) GTEST_SKIP() << "examples not built";
    auto r = weft::test::run_process({echo_server, "--port", "0", "--grace-ms", "-5"}, {}, std::chrono::seconds(20));
    EXPECT_FALSE(r.timed_out) << "echo_server started serving with --grace-ms -5";
    EXPECT_NE(r.exit_code, 0) << r.output;
    EXPECT_TRUE(says(r, "--grace-ms") && says(r, "-5")) << r.output;
    EXPECT_FALSE(says(r, "listening on")) << r.output;
}

}  // namespace

int main(int argc, char** argv) {
    ::testing::InitGoogleTest(&argc, argv);
    for (int i = 1; i < argc; ++i) programs.emplace_back(argv[i]);
    return RUN_ALL_TESTS();
}
