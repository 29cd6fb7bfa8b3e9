// machine.cpp — machine and build description (Linux: uname, /proc/cpuinfo, getrusage).
#include "machine.hpp"

#include <sys/resource.h>
#include <sys/utsname.h>

#include <fstream>
#include <string>
#include <thread>

namespace weft::bench {
namespace {

std::string kernel_version() {
    utsname u{};
    if (uname(&u) != 0) return "unknown";
    return std::string(u.sysname) + " " + u.release;
}

std::string compiler_version() {
#if defined(__clang__)
    std::string v = "clang " __clang_version__;
#elif defined(__GNUC__)
    std::string v = "gcc " __VERSION__;
#else
    std::string v = "unknown";
#endif
    while (!v.empty() && v.back() == ' ') v.pop_back();  // __clang_version__ ends in a space
    return v;
}

std::string cpu_model() {
    std::ifstream in("/proc/cpuinfo");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("model name", 0) != 0) continue;
        auto colon = line.find(':');
        if (colon == std::string::npos) break;
        auto start = line.find_first_not_of(" \t", colon + 1);
        return start == std::string::npos ? "unknown" : line.substr(start);
    }
    return "unknown";
}

}  // namespace

machine_info detect_machine() {
    machine_info m;
    m.cpus = std::thread::hardware_concurrency();
    m.kernel = kernel_version();
    m.compiler = compiler_version();
#ifdef NDEBUG
    m.build_type = "release";
#else
    m.build_type = "debug";
#endif
    m.cpu_model = cpu_model();
    return m;
}

std::uint64_t peak_rss_bytes() {
    rusage ru{};
    if (getrusage(RUSAGE_SELF, &ru) != 0) return 0;
    return static_cast<std::uint64_t>(ru.ru_maxrss) * 1024;  // Linux reports KiB
}

}  // namespace weft::bench
