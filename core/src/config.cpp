// config.cpp — core's keys of runtime_config and the three sources (file, environment,
// code). One table describes each core key once (name, type, range); the TOML reader, the
// environment reader and validate() all go through it, so a key cannot be accepted by one
// source and rejected by another. Keys of the modules above core travel as config_values
// to their sections (config_sections.cpp).
#include <sys/stat.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <sstream>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <toml++/toml.h>

#include <weft/config.hpp>
#include <weft/error.hpp>

extern char** environ;

namespace weft {
namespace {

using config_parse::reject;

struct key_desc {
    const char* name;
    void (*set)(runtime_config&, const config_value&);
    void (*check)(const runtime_config&);
};

template <auto Field, std::uint64_t Lo, std::uint64_t Hi, bool Pow2 = false>
key_desc uint_key(const char* name) {
    return {name, [](runtime_config& c, const config_value& v) { c.*Field = config_parse::to_uint(v, Lo, Hi, Pow2); },
            nullptr};
}

template <auto Field>
key_desc bool_key(const char* name) {
    return {name, [](runtime_config& c, const config_value& v) { c.*Field = config_parse::to_bool(v); }, nullptr};
}

// Signals a program may hand to the task dump: the two user signals and the real-time
// ones (never those the C library or the runtime need: SIGINT, SIGTERM, SIGSEGV, ...).
bool usable_signal(int s) noexcept { return s == SIGUSR1 || s == SIGUSR2 || (s >= SIGRTMIN && s <= SIGRTMAX); }

int parse_signal(const config_value& v) {
    std::string text = config_parse::to_string(v);
    if (text.rfind("SIG", 0) == 0) text = text.substr(3);
    if (text == "USR1") return SIGUSR1;
    if (text == "USR2") return SIGUSR2;
    if (text == "0" || text == "off" || text.empty()) return 0;
    if (!text.empty() && text.find_first_not_of("0123456789") == std::string::npos && text.size() < 4) {
        const int n = std::stoi(text);
        if (usable_signal(n)) return n;
    }
    reject(v, "expected off, SIGUSR1, SIGUSR2 or a real-time signal number");
}

log_level parse_level(const config_value& v) {
    static const std::pair<const char*, log_level> names[] = {
        {"trace", log_level::trace},       {"debug", log_level::debug},  {"info", log_level::info},
        {"warn", log_level::warn},         {"warning", log_level::warn}, {"error", log_level::err},
        {"critical", log_level::critical}, {"off", log_level::off}};
    std::string text = config_parse::to_string(v);
    for (auto& [n, l] : names)
        if (text == n) return l;
    reject(v, "expected one of trace, debug, info, warn, error, critical, off");
}

const std::vector<key_desc>& core_keys() {
    static const std::vector<key_desc> table = {
        uint_key<&runtime_config::workers, 0, 1024>("workers"),
        bool_key<&runtime_config::pin_workers>("pin_workers"),
        {"thread_name_prefix",
         [](runtime_config& c, const config_value& v) {
             std::string s = config_parse::to_string(v);
             if (s.size() > 12) reject(v, "at most 12 characters (Linux keeps 15 with the index)");
             c.thread_name_prefix = std::move(s);
         },
         [](const runtime_config& c) {
             if (c.thread_name_prefix.size() > 12)
                 throw config_error("code", "thread_name_prefix", c.thread_name_prefix,
                                    "at most 12 characters (Linux keeps 15 with the index)");
         }},
        uint_key<&runtime_config::local_queue_capacity, 16, 65536, true>("local_queue_capacity"),
        uint_key<&runtime_config::global_queue_interval, 1, 1'000'000>("global_queue_interval"),
        uint_key<&runtime_config::max_lifo_polls, 0, 16>("max_lifo_polls"),
        uint_key<&runtime_config::spin_before_park_us, 0, 100'000>("spin_before_park_us"),
        {"log_level", [](runtime_config& c, const config_value& v) { c.log = parse_level(v); }, nullptr},
        uint_key<&runtime_config::stall_threshold_ms, 0, 3'600'000>("stall_threshold_ms"),
        {"dump_signal", [](runtime_config& c, const config_value& v) { c.dump_signal = parse_signal(v); },
         [](const runtime_config& c) {
             if (c.dump_signal != 0 && !usable_signal(c.dump_signal))
                 throw config_error("code", "dump_signal", std::to_string(c.dump_signal),
                                    "expected 0 (off), SIGUSR1, SIGUSR2 or a real-time signal number");
         }},
    };
    return table;
}

const key_desc* find_core_key(std::string_view name) {
    for (auto& k : core_keys())
        if (name == k.name) return &k;
    return nullptr;
}

// Checks of values set in code, for the integer keys (the others check in their setter).
void check_core_ranges(const runtime_config& c) {
    config_parse::check_uint("workers", c.workers, 0, 1024);
    config_parse::check_uint("local_queue_capacity", c.local_queue_capacity, 16, 65536, true);
    config_parse::check_uint("global_queue_interval", c.global_queue_interval, 1, 1'000'000);
    config_parse::check_uint("max_lifo_polls", c.max_lifo_polls, 0, 16);
    config_parse::check_uint("spin_before_park_us", c.spin_before_park_us, 0, 100'000);
    if (c.stall_threshold_ms != runtime_config::default_stall_threshold)
        config_parse::check_uint("stall_threshold_ms", c.stall_threshold_ms, 0, 3'600'000);
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& ch : out)
        if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
    return out;
}

// A TOML scalar as a config_value (strings without their quotes).
config_value from_node(const std::string& source, std::string section, std::string key, const toml::node& n) {
    config_value v{source, std::move(section), std::move(key), {}, config_value::kind::other};
    if (auto s = n.value_exact<std::string>()) {
        v.text = *s;
        v.type = config_value::kind::string;
    } else if (auto i = n.value_exact<std::int64_t>()) {
        v.text = std::to_string(*i);
        v.type = config_value::kind::integer;
    } else if (auto b = n.value_exact<bool>()) {
        v.text = *b ? "true" : "false";
        v.type = config_value::kind::boolean;
    } else {
        std::ostringstream os;
        n.visit([&](auto&& x) { os << x; });
        v.text = os.str();
    }
    return v;
}

// The file must be a readable regular file (not a directory, a device or a FIFO, which
// would read as empty or never end).
void check_config_file(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) throw config_error(path, "<file>", path, std::strerror(errno));
    if (!S_ISREG(st.st_mode)) throw config_error(path, "<file>", path, "not a regular file");
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
        std::string key(k.str());
        if (const toml::table* section = node.as_table()) {
            // [section]: a module's keys, checked by the module when it reads them.
            for (auto&& [sk, snode] : *section) {
                if (snode.is_table() || snode.is_array())
                    throw config_error(path, key + "." + std::string(sk.str()), "", "expected a value, not a table");
                sections.add(from_node(path, key, std::string(sk.str()), snode));
            }
            continue;
        }
        const key_desc* d = find_core_key(key);
        config_value v = from_node(path, "", key, node);
        if (!d) reject(v, "unknown key");
        d->set(*this, v);
    }
}

void runtime_config::apply_env(const std::map<std::string, std::string>& env) {
    for (auto& [name, value] : env) {
        if (name.rfind("WEFT_", 0) != 0 || name == "WEFT_CONFIG") continue;
        if (value.empty()) continue;  // VAR= means unset, as in most tools
        const std::string source = "environment (" + name + ")";
        const std::string rest = lower(std::string_view(name).substr(5));
        if (const key_desc* d = find_core_key(rest)) {
            d->set(*this, config_value{source, "", rest, value, config_value::kind::text});
            continue;
        }
        // WEFT_<SECTION>_<KEY>: a module's key, checked by the module when it reads it.
        auto cut = rest.find('_');
        if (cut == std::string::npos || cut == 0 || cut + 1 == rest.size())
            throw config_error(source, name, value, "unknown WEFT_ variable");
        sections.add(config_value{source, rest.substr(0, cut), rest.substr(cut + 1), value, config_value::kind::text});
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
    check_core_ranges(*this);
    for (auto& k : core_keys())
        if (k.check) k.check(*this);
    sections.validate();
}

std::uint32_t runtime_config::resolved_workers() const { return workers != 0 ? workers : available_cpus(); }

std::uint32_t runtime_config::resolved_stall_threshold_ms() const noexcept {
    if (stall_threshold_ms != default_stall_threshold) return stall_threshold_ms;
#if defined(NDEBUG) || defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
    // Off in release builds, and in sanitized ones: they run several times slower, so a
    // 100 ms default would report the sanitizer, not the program (and TSan's own
    // backtrace() allocates inside the detector's signal handler). Set it to use it there.
    return 0;
#else
    return 100;
#endif
}

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
