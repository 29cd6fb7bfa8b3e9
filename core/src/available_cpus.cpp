// available_cpus.cpp — how many CPUs this process may really use.
// hardware_concurrency() counts the machine; a container or `taskset` gives us less. We take
// the affinity mask and cap it by the cgroup v2 quota (cpu.max "QUOTA PERIOD", rounded up).
#include <sched.h>

#include <fstream>
#include <sstream>
#include <string>

#include <weft/config.hpp>

namespace weft {
namespace {

std::uint32_t cgroup_quota_cpus() {
    std::ifstream cg("/proc/self/cgroup");
    std::string line, path;
    while (std::getline(cg, line))
        if (line.rfind("0::", 0) == 0) path = line.substr(3);
    if (path.empty()) return 0;
    // The quota may be set on any ancestor; the tightest one wins.
    std::uint32_t best = 0;
    while (true) {
        std::ifstream f("/sys/fs/cgroup" + path + "/cpu.max");
        std::string quota;
        long long period = 0;
        if (f >> quota >> period && quota != "max" && period > 0) {
            long long q = std::stoll(quota);
            auto cpus = static_cast<std::uint32_t>((q + period - 1) / period);
            if (cpus > 0 && (best == 0 || cpus < best)) best = cpus;
        }
        if (path.empty() || path == "/") break;
        auto slash = path.find_last_of('/');
        path = slash == 0 || slash == std::string::npos ? std::string("/") : path.substr(0, slash);
    }
    return best;
}

}  // namespace

std::uint32_t available_cpus() {
    cpu_set_t set;
    CPU_ZERO(&set);
    std::uint32_t n = 1;
    if (sched_getaffinity(0, sizeof(set), &set) == 0) n = static_cast<std::uint32_t>(CPU_COUNT(&set));
    if (n == 0) n = 1;
    std::uint32_t quota = 0;
    try {
        quota = cgroup_quota_cpus();
    } catch (...) {
        quota = 0;  // an unreadable or odd cgroup file is no reason to fail
    }
    if (quota > 0 && quota < n) n = quota;
    return n;
}

}  // namespace weft
