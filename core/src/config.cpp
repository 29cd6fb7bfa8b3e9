// config.cpp — the key table of runtime_config and its three sources.
// One table describes every key once (name, type, range); the TOML reader, the
// environment reader and validate() all go through it, so a key cannot be accepted by one
// source and rejected by another.
#include <weft/config.hpp>
#include <weft/error.hpp>

#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <sstream>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <toml++/toml.h>

extern char** environ;

namespace weft {
namespace {

struct key_desc {
    const char* name;
    // Parses text (env) into the config; throws config_error via `fail`.
    std::function<void(runtime_config&, const std::string& src, const std::string& text)> from_text;
    // Reads a TOML node.
    std::function<void(runtime_config&, const std::string& src, const toml::node& node)> from_toml;
    std::function<void(const runtime_config&)> check;
};

[[noreturn]] void fail(const std::string& src, const char* key, const std::string& value, const std::string& why) {
    throw config_error(src, key, value, why);
}

std::uint64_t parse_uint(const std::string& src, const char* key, const std::string& text) {
    if (text.empty() || text.size() > 19) fail(src, key, text, "expected an unsigned integer");
    std::uint64_t v = 0;
    for (char c : text) {
        if (c < '0' || c > '9') fail(src, key, text, "expected an unsigned integer");
        v = v * 10 + static_cast<std::uint64_t>(c - '0');
    }
    return v;
}

bool parse_bool(const std::string& src, const char* key, const std::string& text) {
    if (text == "1" || text == "true" || text == "on" || text == "yes") return true;
    if (text == "0" || text == "false" || text == "off" || text == "no") return false;
    fail(src, key, text, "expected true/false (or 1/0, on/off, yes/no)");
}

log_level parse_level(const std::string& src, const char* key, const std::string& text) {
    static const std::pair<const char*, log_level> names[] = {
        {"trace", log_level::trace},       {"debug", log_level::debug},  {"info", log_level::info},
        {"warn", log_level::warn},         {"warning", log_level::warn}, {"error", log_level::err},
        {"critical", log_level::critical}, {"off", log_level::off}};
    for (auto& [n, l] : names)
        if (text == n) return l;
    fail(src, key, text, "expected one of trace, debug, info, warn, error, critical, off");
}

io_driver_kind parse_driver(const std::string& src, const char* key, const std::string& text) {
    if (text == "auto") return io_driver_kind::automatic;
    if (text == "epoll") return io_driver_kind::epoll;
    if (text == "io_uring" || text == "uring") return io_driver_kind::io_uring;
    fail(src, key, text, "expected one of auto, epoll, io_uring");
}

// A TOML value as text for messages: strings without their TOML quotes (config_error
// quotes the value once).
std::string node_text(const toml::node& n) {
    if (auto s = n.value_exact<std::string>()) return *s;
    std::ostringstream os;
    n.visit([&](auto&& v) { os << v; });
    return os.str();
}

// The file must be a regular file: a directory reads as empty and /dev/zero as nothing
// useful, and both would be accepted silently.
void check_config_file(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) throw config_error(path, "<file>", path, std::strerror(errno));
    if (!S_ISREG(st.st_mode)) throw config_error(path, "<file>", path, "not a regular file");
}

key_desc uint_key(const char* name, std::uint32_t runtime_config::*field, std::uint64_t lo, std::uint64_t hi,
                  bool pow2 = false) {
    auto check_value = [=](const std::string& src, std::uint64_t v, const std::string& shown) {
        if (v < lo || v > hi) fail(src, name, shown, fmt::format("must be in {}..{}", lo, hi));
        if (pow2 && (v & (v - 1)) != 0) fail(src, name, shown, "must be a power of two");
    };
    return key_desc{name,
                    [=](runtime_config& c, const std::string& src, const std::string& text) {
                        std::uint64_t v = parse_uint(src, name, text);
                        check_value(src, v, text);
                        c.*field = static_cast<std::uint32_t>(v);
                    },
                    [=](runtime_config& c, const std::string& src, const toml::node& n) {
                        auto v = n.value_exact<std::int64_t>();
                        if (!v) fail(src, name, node_text(n), "expected an integer");
                        if (*v < 0) fail(src, name, node_text(n), fmt::format("must be in {}..{}", lo, hi));
                        check_value(src, static_cast<std::uint64_t>(*v), node_text(n));
                        c.*field = static_cast<std::uint32_t>(*v);
                    },
                    [=](const runtime_config& c) { check_value("code", c.*field, std::to_string(c.*field)); }};
}

// A key whose value is one of a few names (parse: text -> value, or fail).
template <class T>
key_desc name_key(const char* name, T runtime_config::*field,
                  T (*parse)(const std::string&, const char*, const std::string&)) {
    return key_desc{
        name, [=](runtime_config& c, const std::string& src, const std::string& t) { c.*field = parse(src, name, t); },
        [=](runtime_config& c, const std::string& src, const toml::node& n) {
            auto v = n.value_exact<std::string>();
            if (!v) fail(src, name, node_text(n), "expected a string");
            c.*field = parse(src, name, *v);
        },
        [](const runtime_config&) {}};
}

key_desc bool_key(const char* name, bool runtime_config::*field) {
    return key_desc{
        name,
        [=](runtime_config& c, const std::string& src, const std::string& t) { c.*field = parse_bool(src, name, t); },
        [=](runtime_config& c, const std::string& src, const toml::node& n) {
            auto v = n.value_exact<bool>();
            if (!v) fail(src, name, node_text(n), "expected true or false");
            c.*field = *v;
        },
        [](const runtime_config&) {}};
}

const std::vector<key_desc>& keys() {
    static const std::vector<key_desc> table = {
        uint_key("workers", &runtime_config::workers, 0, 1024),
        bool_key("pin_workers", &runtime_config::pin_workers),
        bool_key("paused_time", &runtime_config::paused_time),
        key_desc{"thread_name_prefix",
                 [](runtime_config& c, const std::string&, const std::string& t) { c.thread_name_prefix = t; },
                 [](runtime_config& c, const std::string& src, const toml::node& n) {
                     auto v = n.value_exact<std::string>();
                     if (!v) fail(src, "thread_name_prefix", node_text(n), "expected a string");
                     c.thread_name_prefix = *v;
                 },
                 [](const runtime_config& c) {
                     if (c.thread_name_prefix.size() > 12)
                         fail("code", "thread_name_prefix", c.thread_name_prefix,
                              "at most 12 characters (Linux keeps 15 with the index)");
                 }},
        uint_key("local_queue_capacity", &runtime_config::local_queue_capacity, 16, 65536, true),
        uint_key("global_queue_interval", &runtime_config::global_queue_interval, 1, 1'000'000),
        uint_key("max_lifo_polls", &runtime_config::max_lifo_polls, 0, 16),
        uint_key("spin_before_park_us", &runtime_config::spin_before_park_us, 0, 100'000),
        uint_key("timer_tick_us", &runtime_config::timer_tick_us, 100, 1'000'000),
        name_key("log_level", &runtime_config::log, &parse_level),
        name_key("io_driver", &runtime_config::io_driver, &parse_driver),
        uint_key("io_uring_entries", &runtime_config::io_uring_entries, 8, 32768, true),
        uint_key("io_submit_batch", &runtime_config::io_submit_batch, 1, 4096),
        uint_key("io_events_per_wait", &runtime_config::io_events_per_wait, 1, 65536),
        uint_key("blocking_threads", &runtime_config::blocking_threads, 1, 4096),
        uint_key("blocking_keep_alive_ms", &runtime_config::blocking_keep_alive_ms, 1, 3'600'000),
    };
    return table;
}

const key_desc* find_key(std::string_view name) {
    for (auto& k : keys())
        if (name == k.name) return &k;
    return nullptr;
}

std::string env_name(const char* key) {
    std::string s = "WEFT_";
    for (const char* p = key; *p; ++p) s += static_cast<char>(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
    return s;
}

}  // namespace

void runtime_config::apply_file(const std::string& path) {
    check_config_file(path);
    toml::table tbl;
    try {
        tbl = toml::parse_file(path);
    } catch (const toml::parse_error& e) {
        std::string what(e.description());
        if (e.source().begin.line > 0)
            what += fmt::format(" (line {}, column {})", e.source().begin.line, e.source().begin.column);
        throw config_error(path, "<file>", path, what);
    }
    for (auto&& [k, node] : tbl) {
        const key_desc* d = find_key(k.str());
        if (!d) throw config_error(path, std::string(k.str()), node_text(node), "unknown key");
        d->from_toml(*this, path, node);
    }
}

void runtime_config::apply_env(const std::map<std::string, std::string>& env) {
    for (auto& [name, value] : env) {
        if (name.rfind("WEFT_", 0) != 0 || name == "WEFT_CONFIG") continue;
        if (value.empty()) continue;  // WEFT_X= means unset, as in most tools
        const key_desc* found = nullptr;
        for (auto& k : keys())
            if (env_name(k.name) == name) found = &k;
        if (!found) throw config_error("environment", name, value, "unknown WEFT_ variable");
        found->from_text(*this, "environment (" + name + ")", value);
    }
}

void runtime_config::apply_process_env() {
    std::map<std::string, std::string> env;
    for (char** e = environ; e && *e; ++e) {
        std::string_view kv(*e);
        auto eq = kv.find('=');
        if (eq == std::string_view::npos || kv.rfind("WEFT_", 0) != 0) continue;
        env.emplace(std::string(kv.substr(0, eq)), std::string(kv.substr(eq + 1)));
    }
    if (auto it = env.find("WEFT_CONFIG"); it != env.end() && !it->second.empty()) apply_file(it->second);
    apply_env(env);
}

void runtime_config::validate() const {
    for (auto& k : keys()) k.check(*this);
}

std::uint32_t runtime_config::resolved_workers() const { return workers != 0 ? workers : available_cpus(); }

runtime_config runtime_config::from_file(const std::string& path) {
    runtime_config c;
    c.apply_file(path);
    return c;
}

runtime_config runtime_config::load() {
    runtime_config c;
    c.apply_process_env();
    return c;
}

std::string to_string(io_driver_kind k) {
    switch (k) {
        case io_driver_kind::automatic:
            return "auto";
        case io_driver_kind::epoll:
            return "epoll";
        case io_driver_kind::io_uring:
            return "io_uring";
    }
    return "?";
}

std::string to_string(log_level l) {
    switch (l) {
        case log_level::trace:
            return "trace";
        case log_level::debug:
            return "debug";
        case log_level::info:
            return "info";
        case log_level::warn:
            return "warn";
        case log_level::err:
            return "error";
        case log_level::critical:
            return "critical";
        case log_level::off:
            return "off";
    }
    return "?";
}

}  // namespace weft
