// config_file.cpp — a program with its own configuration file, as docs/configuration.md
// shows: defaults < file < WEFT_* environment < code. Run it from a directory with a
// server.toml (it writes a small one first if there is none, so the example runs anywhere).
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include <weft/weft.hpp>

weft::task<int> main_task() {
    fmt::print("driver: {}\n", weft::to_string(weft::current_io_driver()));
    co_return 0;
}

int run_server() {
    auto cfg = weft::runtime_config::from_file("server.toml");  // defaults < file
    cfg.apply_process_env();                                    // < WEFT_* (and WEFT_CONFIG)
    cfg.workers = std::max(cfg.workers, 2u);                    // < code
    cfg.section<weft::io_config>().driver = weft::io_driver_kind::epoll;
    weft::runtime rt(cfg);
    fmt::print("{} workers\n", rt.worker_count());
    return rt.block_on(main_task());
}

int main() {
    if (!std::filesystem::exists("server.toml"))
        std::ofstream("server.toml") << "workers = 2\n[io]\nblocking_threads = 8\n";
    try {
        return run_server();
    } catch (const weft::config_error& e) {
        fmt::print(stderr, "config_file: {}\n", e.what());
        return 2;
    }
}
