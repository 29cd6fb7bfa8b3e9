// runtime_config from every source, good and bad: each bad value is a config_error that
// names the source, the key and the value.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include <weft/config.hpp>
#include <weft/error.hpp>
#include <weft/io_config.hpp>
#include <weft/io_stack.hpp>
#include <weft/runtime.hpp>
#include <weft/timer_config.hpp>

namespace {

std::string write_file(const std::string& name, const std::string& text) {
    std::string path = ::testing::TempDir() + name;
    std::ofstream(path) << text;
    return path;
}

// Runs f, expects a config_error, and returns it.
template <class F>
weft::config_error expect_config_error(F f) {
    try {
        f();
    } catch (const weft::config_error& e) {
        return e;
    }
    ADD_FAILURE() << "no config_error thrown";
    return weft::config_error("", "", "", "");
}

TEST(config, defaults_are_valid) {
    weft::runtime_config c;
    EXPECT_NO_THROW(c.validate());
    EXPECT_EQ(c.workers, 0u);
    EXPECT_EQ(c.local_queue_capacity, 256u);
    EXPECT_EQ(c.resolved_workers(), weft::available_cpus());
}

TEST(config, reads_a_toml_file) {
    auto path = write_file("good.toml",
                           "workers = 3\npin_workers = true\nthread_name_prefix = \"srv\"\n"
                           "local_queue_capacity = 1024\nglobal_queue_interval = 31\nmax_lifo_polls = 2\n"
                           "spin_before_park_us = 25\nlog_level = \"error\"\n"
                           "[timers]\npaused = true\ntick_us = 500\n[io]\ndriver = \"epoll\"\n");
    auto c = weft::runtime_config::from_file(path);
    EXPECT_EQ(c.workers, 3u);
    EXPECT_TRUE(c.pin_workers);
    EXPECT_EQ(c.thread_name_prefix, "srv");
    EXPECT_EQ(c.local_queue_capacity, 1024u);
    EXPECT_EQ(c.global_queue_interval, 31u);
    EXPECT_EQ(c.max_lifo_polls, 2u);
    EXPECT_EQ(c.spin_before_park_us, 25u);
    EXPECT_EQ(c.log, weft::log_level::err);
    EXPECT_TRUE(c.section<weft::timer_config>().paused);
    EXPECT_EQ(c.section<weft::timer_config>().tick_us, 500u);
    EXPECT_EQ(c.section<weft::io_config>().driver, weft::io_driver_kind::epoll);
}

TEST(config, bad_file_values_name_source_key_and_value) {
    auto zero = write_file("zero.toml", "workers = 0\nlocal_queue_capacity = 100\n");
    auto e = expect_config_error([&] { weft::runtime_config::from_file(zero); });
    EXPECT_EQ(e.source(), zero);
    EXPECT_EQ(e.key(), "local_queue_capacity");
    EXPECT_EQ(e.value(), "100");
    EXPECT_NE(std::string(e.what()).find("power of two"), std::string::npos);

    auto unknown = write_file("unknown.toml", "wokers = 4\n");
    e = expect_config_error([&] { weft::runtime_config::from_file(unknown); });
    EXPECT_EQ(e.key(), "wokers");
    EXPECT_NE(std::string(e.what()).find("unknown key"), std::string::npos);

    auto type = write_file("type.toml", "workers = \"four\"\n");
    e = expect_config_error([&] { weft::runtime_config::from_file(type); });
    EXPECT_EQ(e.key(), "workers");
    EXPECT_EQ(e.value(), "four");
    // Quoted once in the message, not twice.
    EXPECT_NE(std::string(e.what()).find("workers = 'four': expected an integer"), std::string::npos) << e.what();

    auto negative = write_file("negative.toml", "workers = -2\n");
    e = expect_config_error([&] { weft::runtime_config::from_file(negative); });
    EXPECT_EQ(e.value(), "-2");

    auto big = write_file("big.toml", "workers = 5000\n");
    e = expect_config_error([&] { weft::runtime_config::from_file(big); });
    EXPECT_NE(std::string(e.what()).find("0..1024"), std::string::npos);

    auto syntax = write_file("syntax.toml", "workers = = 3\n");
    e = expect_config_error([&] { weft::runtime_config::from_file(syntax); });
    EXPECT_EQ(e.source(), syntax);
    EXPECT_NE(std::string(e.what()).find("line 1"), std::string::npos);

    e = expect_config_error([] { weft::runtime_config::from_file("/nonexistent/weft.toml"); });
    EXPECT_EQ(e.source(), "/nonexistent/weft.toml");

    auto level = write_file("level.toml", "log_level = \"loud\"\n");
    e = expect_config_error([&] { weft::runtime_config::from_file(level); });
    EXPECT_EQ(e.key(), "log_level");
}

TEST(config, workers_zero_in_a_file_means_auto) {
    // 0 is the documented "use the available CPUs" value, not an error.
    auto path = write_file("auto.toml", "workers = 0\n");
    EXPECT_EQ(weft::runtime_config::from_file(path).resolved_workers(), weft::available_cpus());
}

TEST(config, environment_values) {
    weft::runtime_config c;
    c.apply_env({{"WEFT_WORKERS", "8"},
                 {"WEFT_PIN_WORKERS", "on"},
                 {"WEFT_LOG_LEVEL", "debug"},
                 {"WEFT_SPIN_BEFORE_PARK_US", "0"},
                 {"HOME", "/root"}});
    EXPECT_EQ(c.workers, 8u);
    EXPECT_TRUE(c.pin_workers);
    EXPECT_EQ(c.log, weft::log_level::debug);

    auto e = expect_config_error([] { weft::runtime_config().apply_env({{"WEFT_WORKERS", "abc"}}); });
    EXPECT_EQ(e.key(), "workers");
    EXPECT_EQ(e.value(), "abc");
    EXPECT_NE(e.source().find("WEFT_WORKERS"), std::string::npos);

    e = expect_config_error([] { weft::runtime_config().apply_env({{"WEFT_WORKRES", "2"}}); });
    EXPECT_EQ(e.key(), "WEFT_WORKRES");

    e = expect_config_error([] { weft::runtime_config().apply_env({{"WEFT_PIN_WORKERS", "maybe"}}); });
    EXPECT_EQ(e.value(), "maybe");

    e = expect_config_error([] { weft::runtime_config().apply_env({{"WEFT_GLOBAL_QUEUE_INTERVAL", "0"}}); });
    EXPECT_EQ(e.key(), "global_queue_interval");

    e = expect_config_error([] { weft::runtime_config().apply_env({{"WEFT_WORKERS", "-1"}}); });
    EXPECT_EQ(e.value(), "-1");
}

TEST(config, environment_overrides_the_file) {
    auto path = write_file("layered.toml", "workers = 3\nmax_lifo_polls = 1\n");
    ::setenv("WEFT_CONFIG", path.c_str(), 1);
    ::setenv("WEFT_WORKERS", "5", 1);
    auto c = weft::runtime_config::load();
    ::unsetenv("WEFT_CONFIG");
    ::unsetenv("WEFT_WORKERS");
    EXPECT_EQ(c.workers, 5u);         // environment wins
    EXPECT_EQ(c.max_lifo_polls, 1u);  // file beats the default
    EXPECT_EQ(c.local_queue_capacity, 256u);

    ::setenv("WEFT_CONFIG", "/nonexistent.toml", 1);
    auto e = expect_config_error([] { weft::runtime_config::load(); });
    ::unsetenv("WEFT_CONFIG");
    EXPECT_EQ(e.source(), "/nonexistent.toml");
}

TEST(config, values_set_in_code_are_validated_by_the_runtime) {
    weft::runtime_config c;
    c.local_queue_capacity = 1000;
    auto e = expect_config_error([&] { weft::runtime rt(c); });
    EXPECT_EQ(e.source(), "code");
    EXPECT_EQ(e.key(), "local_queue_capacity");
    c = {};
    c.workers = 2000;
    EXPECT_THROW(weft::runtime rt(c), weft::config_error);
    c = {};
    c.thread_name_prefix = "a-very-long-thread-prefix";
    EXPECT_THROW(weft::runtime rt(c), weft::config_error);
}

TEST(config, empty_environment_values_mean_unset) {
    weft::runtime_config c;
    c.workers = 3;
    c.apply_env({{"WEFT_WORKERS", ""}, {"WEFT_IO_DRIVER", ""}});
    EXPECT_EQ(c.workers, 3u);
    EXPECT_TRUE(c.sections.pending().empty());
    ::setenv("WEFT_CONFIG", "", 1);  // no file
    EXPECT_NO_THROW(weft::runtime_config::load());
    ::unsetenv("WEFT_CONFIG");
}

TEST(config, string_values_are_quoted_once) {
    auto path = write_file("loud.toml", "log_level = \"loud\"\n");
    auto e = expect_config_error([&] { weft::runtime_config::from_file(path); });
    EXPECT_EQ(e.value(), "loud");
    EXPECT_NE(std::string(e.what()).find("log_level = 'loud'"), std::string::npos) << e.what();
    auto type = write_file("type2.toml", "pin_workers = \"yes\"\n");
    e = expect_config_error([&] { weft::runtime_config::from_file(type); });
    EXPECT_EQ(e.value(), "yes");
}

TEST(config, the_config_file_must_be_a_regular_file) {
    for (std::string bad : {std::string("/dev/zero"), ::testing::TempDir()}) {
        auto e = expect_config_error([&] { weft::runtime_config::from_file(bad); });
        EXPECT_EQ(e.source(), bad);
        EXPECT_NE(std::string(e.what()).find("not a regular file"), std::string::npos) << e.what();
    }
    ::setenv("WEFT_CONFIG", "/dev/zero", 1);
    auto e = expect_config_error([] { weft::runtime_config::load(); });
    ::unsetenv("WEFT_CONFIG");
    EXPECT_EQ(e.value(), "/dev/zero");
}

TEST(config, module_sections_from_the_environment) {
    weft::runtime_config c;
    c.apply_env({{"WEFT_TIMERS_TICK_US", "250"}, {"WEFT_IO_BLOCKING_THREADS", "8"}});
    EXPECT_EQ(c.section<weft::timer_config>().tick_us, 250u);
    EXPECT_EQ(c.section<weft::io_config>().blocking_threads, 8u);
    // Once a section is typed, later settings apply to it directly.
    c.apply_env({{"WEFT_IO_BLOCKING_THREADS", "9"}});
    EXPECT_EQ(c.section<weft::io_config>().blocking_threads, 9u);
    // A bad value is reported when the module reads its section, naming source, key, value.
    weft::runtime_config bad;
    bad.apply_env({{"WEFT_IO_DRIVER", "kqueue"}});
    auto e = expect_config_error([&] { (void)bad.section<weft::io_config>(); });
    EXPECT_EQ(e.source(), "environment (WEFT_IO_DRIVER)");
    EXPECT_EQ(e.key(), "io.driver");
    EXPECT_EQ(e.value(), "kqueue");
    e = expect_config_error([] {
        weft::runtime_config c2;
        c2.apply_env({{"WEFT_IO_DRIVR", "epoll"}});
        (void)c2.section<weft::io_config>();
    });
    EXPECT_EQ(e.key(), "io.drivr");
    EXPECT_NE(std::string(e.what()).find("unknown key"), std::string::npos);
}

TEST(config, a_runtime_rejects_settings_no_module_of_it_reads) {
    weft::runtime_config c;
    c.workers = 1;
    c.apply_env({{"WEFT_IOO_DRIVER", "epoll"}});  // a typo of the section's name
    auto e = expect_config_error([&] { weft::runtime rt(c, weft::io_stack); });
    EXPECT_EQ(e.key(), "ioo.driver");
    EXPECT_NE(std::string(e.what()).find("[ioo]"), std::string::npos) << e.what();
    // A CPU-only runtime reads no [io] section: an io setting is a mistake there.
    weft::runtime_config cpu;
    cpu.workers = 1;
    cpu.apply_env({{"WEFT_IO_DRIVER", "epoll"}});
    e = expect_config_error([&] { weft::runtime rt(cpu, weft::core_stack); });
    EXPECT_NE(std::string(e.what()).find("the runtime has: core"), std::string::npos) << e.what();
}

TEST(config, section_values_set_in_code_are_validated_by_the_runtime) {
    weft::runtime_config c;
    c.workers = 1;
    c.section<weft::io_config>().uring_entries = 100;
    auto e = expect_config_error([&] { weft::runtime rt(c, weft::io_stack); });
    EXPECT_EQ(e.source(), "code");
    EXPECT_EQ(e.key(), "io.uring_entries");
}

TEST(config, the_default_stack_is_the_largest_the_program_uses) {
    // This program includes <weft/io_stack.hpp>: the io stack is registered.
    EXPECT_STREQ(weft::default_stack().name, "io");
    weft::runtime_config c;
    c.workers = 1;
    weft::runtime rt(c);
    EXPECT_NE(rt.stack_description().find("io ("), std::string::npos) << rt.stack_description();
}

}  // namespace
