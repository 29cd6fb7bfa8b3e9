// spawn_site.cpp — the process-wide table of spawn sites (see weft/detail/spawn_site.hpp).
//
// The table is an array of max_sites entries published with a release store of `count`;
// readers load `count` (acquire) and read entries below it without a lock. Writers take
// `mu`, look the key up in `index` and append. Each thread keeps a direct-mapped cache of
// (key -> id) in front of it: a key mixes the location's file and function string addresses
// (string literals the compiler emits once per translation unit), its line and the name's
// address. Two keys for one site (the same header line seen from two translation units)
// only cost a second table entry.
#include <weft/detail/spawn_site.hpp>

#include <atomic>
#include <cstring>
#include <mutex>
#include <string>
#include <unordered_map>

namespace weft::detail {
namespace {

struct site_table {
    std::mutex mu;
    std::unordered_map<std::uint64_t, std::uint16_t> index;  // under mu
    spawn_site entries[max_sites];
    std::atomic<std::uint32_t> count{1};  // entry 0 is the unknown site
};

site_table& table() {
    static site_table t;  // never destroyed before the threads that spawn: leaked on purpose
    return t;
}

constexpr std::size_t cache_slots = 64;
struct site_cache {
    std::uint64_t keys[cache_slots];
    std::uint16_t ids[cache_slots];
};
[[gnu::tls_model("initial-exec")]] thread_local site_cache tl_sites{};

std::uint64_t key_of(const spawn_location& where, const char* name) noexcept {
    if (where.file == nullptr && where.function == nullptr && name == nullptr) return 0;
    auto word = [](const void* p) { return static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(p)); };
    std::uint64_t k = word(where.file);
    k = k * 0x9E3779B97F4A7C15ull ^ word(where.function);
    k = k * 0x9E3779B97F4A7C15ull ^ where.line;
    k = k * 0x9E3779B97F4A7C15ull ^ word(name);
    return k == 0 ? 1 : k;
}

std::uint16_t intern_slow(std::uint64_t key, const spawn_location& where, const char* name) noexcept {
    site_table& t = table();
    try {
        std::lock_guard lock(t.mu);
        if (auto it = t.index.find(key); it != t.index.end()) return it->second;
        const std::uint32_t n = t.count.load(std::memory_order_relaxed);
        if (n >= overflow_site) return overflow_site;
        t.entries[n] = spawn_site{where.file, where.function, where.line, name};
        t.index.emplace(key, static_cast<std::uint16_t>(n));
        t.count.store(n + 1, std::memory_order_release);
        return static_cast<std::uint16_t>(n);
    } catch (...) {  // no memory for the index: the task is simply of unknown origin
        return unknown_site;
    }
}

}  // namespace

std::uint16_t intern_site(const spawn_location& where, const char* name) noexcept {
    const std::uint64_t key = key_of(where, name);
    if (key == 0) return unknown_site;
    const std::size_t slot = static_cast<std::size_t>((key >> 4) ^ (key >> 12)) % cache_slots;
    site_cache& c = tl_sites;
    if (c.keys[slot] == key) return c.ids[slot];
    const std::uint16_t id = intern_slow(key, where, name);
    if (id != overflow_site && id != unknown_site) {
        c.keys[slot] = key;
        c.ids[slot] = id;
    }
    return id;
}

// gcc names a coroutine's body after its frame type ("void f(f(int)::_Z1fi.Frame*)"): keep
// what the user wrote, "f(int)".
std::string readable_function(const char* f) {
    std::string s = f ? f : "";
    const auto frame = s.find(".Frame*)");
    const auto open = s.find('(');
    if (open == std::string::npos) return s;
    if (frame == std::string::npos) {  // "weft::task<void> f(int)" -> "f(int)"
        const auto sp = s.rfind(' ', open);
        return sp == std::string::npos ? s : s.substr(sp + 1);
    }
    const auto inner_end = s.find(")::", open);
    if (inner_end == std::string::npos) return s;
    // "void ns::f(" + "f(int)::..." -> "ns::f(int)"
    std::string head = s.substr(0, open);
    if (const auto sp = head.rfind(' '); sp != std::string::npos) head = head.substr(sp + 1);
    const std::string inner = s.substr(open + 1, inner_end + 1 - (open + 1));  // "f(int)"
    const auto args = inner.find('(');
    return head + (args == std::string::npos ? std::string("()") : inner.substr(args));
}

spawn_site site_of(std::uint16_t id) noexcept {
    site_table& t = table();
    if (id == unknown_site || id >= t.count.load(std::memory_order_acquire)) return {};
    return t.entries[id];
}

}  // namespace weft::detail
