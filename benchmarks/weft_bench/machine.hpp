// machine.hpp — what weft-bench records about the machine and the build, so that every
// figure can be quoted with the machine that made it (bench-protocol.md, "How to quote").
#pragma once

#include <cstdint>
#include <string>

namespace weft::bench {

struct machine_info {
    unsigned cpus = 0;       // online CPUs (std::thread::hardware_concurrency)
    std::string kernel;      // uname: sysname release
    std::string compiler;    // the compiler that built weft-bench, with its version
    std::string build_type;  // "release" if NDEBUG was defined, else "debug"
    std::string cpu_model;   // first "model name" of /proc/cpuinfo, or "unknown"
};

machine_info detect_machine();

// The process's peak resident set size so far (getrusage ru_maxrss), in bytes. It is a
// high-water mark: it never goes down between scenarios.
std::uint64_t peak_rss_bytes();

}  // namespace weft::bench
