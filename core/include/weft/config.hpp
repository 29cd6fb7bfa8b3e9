// weft/config.hpp — runtime_config: every knob of the runtime, from code, a TOML file and
// WEFT_* environment variables.
//
// Precedence: defaults < file < environment < what the program sets afterwards in code.
// runtime_config::load() applies the file named by WEFT_CONFIG (if set) and then the
// environment; weft::run() and runtime's default constructor use it. Every key is listed,
// with its range, in docs/configuration.md.
//
// The keys of core (workers, queues, parking, logging) are fields of runtime_config. Each
// module above core owns a *section* of its own — a struct in that module's headers, e.g.
// weft::timer_config ("timers", weft/timer_config.hpp) and weft::io_config ("io",
// weft/io_config.hpp) — written `[io]` in TOML and WEFT_IO_* in the environment:
//
//   auto cfg = weft::runtime_config::load();              // defaults, $WEFT_CONFIG, WEFT_*
//   cfg.workers = 4;                                       // code has the last word
//   cfg.section<weft::io_config>().driver = weft::io_driver_kind::epoll;
//   weft::runtime rt(cfg);
//
// A wrong value (WEFT_WORKERS=abc, workers = 0, an unknown key, an unreadable file) throws
// weft::config_error naming the source, the key and the value; nothing is silently clamped
// or defaulted. Core's keys are checked as they are read; a section's settings are checked
// when its module reads them — at the latest when a runtime is built, which also rejects a
// section that no module of the runtime reads (a typo such as WEFT_IOO_DRIVER). An empty
// variable (WEFT_WORKERS=) means unset; WEFT_CONFIG must name a regular file. weft::run()
// and runtime's constructor throw config_error too: catch it in main() (see
// examples/hello.cpp) to print it and exit non-zero instead of std::terminate.
//
// Thread safety: a plain value type (copies are deep).
#pragma once

#include <concepts>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <typeinfo>
#include <utility>
#include <vector>

namespace weft {

// Levels of the "weft" spdlog logger (runtime_config::log).
enum class log_level { trace, debug, info, warn, err, critical, off };

// One setting read from a file or the environment, as its source wrote it.
struct config_value {
    // How the source spelled the value: text (the environment), or the TOML value's type.
    enum class kind : std::uint8_t { text, string, integer, boolean, other };
    std::string source;      // "environment (WEFT_IO_DRIVER)", or a file's path
    std::string section;     // "io"; empty for core's keys
    std::string key;         // "driver"
    std::string text;        // "epoll", "256", "true"
    kind type = kind::text;  // text: from the environment (any type may be spelled); else TOML's type

    // "io.driver", or "workers" for a key of core.
    std::string name() const { return section.empty() ? key : section + "." + key; }
};

// Reading a section's settings (each throws config_error naming source, key and value).
namespace config_parse {
// The value as an integer in lo..hi (a power of two if asked); throws config_error otherwise.
std::uint32_t to_uint(const config_value& v, std::uint64_t lo, std::uint64_t hi, bool power_of_two = false);
// The value as a boolean (true/false, 1/0, yes/no, on/off); throws config_error otherwise.
bool to_bool(const config_value& v);
// The value as a string (a TOML string without its quotes).
std::string to_string(const config_value& v);
// Throws config_error for v, naming its source, key and value, and why it was rejected.
[[noreturn]] void reject(const config_value& v, const std::string& why);
// A value set in code (source "code"); `name` as config_value::name() would give it.
void check_uint(const std::string& name, std::uint64_t value, std::uint64_t lo, std::uint64_t hi,
                bool power_of_two = false);
}  // namespace config_parse

// What a module's section type provides (see weft::io_config for one).
template <class S>
concept config_section = std::copyable<S> && std::default_initializable<S> && requires(S s, const config_value& v) {
    { S::section_name } -> std::convertible_to<std::string_view>;
    s.apply(v);    // one setting of the section; throws config_error (unknown key, bad value)
    s.validate();  // checks values set in code; throws config_error (source "code")
};

// The sections of the modules above core, held by runtime_config. A section's settings
// from the file and the environment wait here, as text, until its module reads it
// (get<S>()); from then on the section is typed and later settings apply to it directly.
class config_sections {
public:
    config_sections() = default;
    // Copies every section, typed or still pending.
    config_sections(const config_sections& o);
    // Replaces every section by a copy of o's.
    config_sections& operator=(const config_sections& o);
    // Takes o's sections.
    config_sections(config_sections&&) noexcept = default;
    // Takes o's sections.
    config_sections& operator=(config_sections&&) noexcept = default;
    ~config_sections() = default;

    // The section of type S, typed on first use: the settings waiting for it are applied then.
    template <config_section S>
    S& get() {
        if (box* b = find(S::section_name, typeid(S))) return *static_cast<S*>(b->value.get());
        auto owned = std::make_unique<S>();
        S& s = *owned;
        adopt(std::string(S::section_name), typeid(S),
              std::unique_ptr<void, void (*)(void*)>(owned.release(), &destroy<S>), &clone<S>, &apply<S>,
              &validate<S>);  // applies the settings waiting for it
        return s;
    }
    // A copy of the section of type S with the waiting settings applied (this is unchanged).
    template <config_section S>
    S get() const {
        config_sections copy(*this);
        return copy.get<S>();
    }

    // A setting for `v.section`: applied at once if the section is typed already, else kept.
    void add(config_value v);
    // Settings no module has read yet, in the order they came.
    const std::vector<config_value>& pending() const noexcept { return pending_; }
    // Checks every typed section's values (config_section::validate).
    void validate() const;

private:
    struct box {
        std::string name;
        const std::type_info* type = nullptr;
        std::unique_ptr<void, void (*)(void*)> value{nullptr, nullptr};
        void* (*clone)(const void*) = nullptr;
        void (*apply)(void*, const config_value&) = nullptr;
        void (*validate)(const void*) = nullptr;
    };
    template <class S>
    static void destroy(void* p) {
        delete static_cast<S*>(p);
    }
    template <class S>
    static void* clone(const void* p) {
        return new S(*static_cast<const S*>(p));
    }
    template <class S>
    static void apply(void* p, const config_value& v) {
        static_cast<S*>(p)->apply(v);
    }
    template <class S>
    static void validate(const void* p) {
        static_cast<const S*>(p)->validate();
    }
    // The typed section `name`; throws weft::error if it was typed as another type.
    box* find(std::string_view name, const std::type_info& type);
    void adopt(std::string name, const std::type_info& type, std::unique_ptr<void, void (*)(void*)> value,
               void* (*clone)(const void*), void (*apply)(void*, const config_value&), void (*validate)(const void*));

    std::vector<box> typed_;
    std::vector<config_value> pending_;
};

// The runtime's configuration: core's settings and the modules' sections (docs/configuration.md).
struct runtime_config {
    // Worker threads; 0 means "the CPUs this process may use" (affinity mask and cgroup
    // v2 cpu.max quota). Range 0..1024.
    std::uint32_t workers = 0;
    // Pin worker i to the i-th CPU of the affinity mask.
    bool pin_workers = false;
    // Worker threads are named prefix + index (Linux keeps 15 characters).
    std::string thread_name_prefix = "weft-w";
    // Slots of each worker's local run queue; a power of two in 16..65536.
    std::uint32_t local_queue_capacity = 256;
    // A worker looks at the global queue first every this many tasks (fairness), 1..1e6.
    std::uint32_t global_queue_interval = 61;
    // Polls a worker makes, in the LIFO slot, before it takes from the queue again; 0..16.
    std::uint32_t max_lifo_polls = 3;
    // Microseconds an idle worker keeps looking for work before it parks (a futex wake-up
    // costs both sides microseconds; a short spin absorbs gaps between bursts); 0..100000.
    std::uint32_t spin_before_park_us = 50;
    // Level of the spdlog logger named "weft".
    log_level log = log_level::warn;
    // Stall detector (docs/observability.md): a watchdog thread warns, with the task's spawn
    // site and a backtrace of the worker, when a worker has run the same task for longer
    // than this many milliseconds, and when a woken task waited longer than this to run.
    // 0: off. default_stall_threshold: 100 ms in debug builds of weft, off in release
    // and sanitized builds. Range 0..3600000. WEFT_STALL_THRESHOLD_MS.
    static constexpr std::uint32_t default_stall_threshold = ~std::uint32_t{0};
    // Milliseconds before a worker running one task is reported; 0: off (see above).
    std::uint32_t stall_threshold_ms = default_stall_threshold;
    // A signal (e.g. SIGUSR1, or its number) on which the task dump (weft/task_dump.hpp) is
    // written to the log at warn level; 0: off. WEFT_DUMP_SIGNAL=SIGUSR1.
    int dump_signal = 0;
    // The sections of the modules above core (timers, io, ...): see section<S>().
    config_sections sections{};

    // The section of type S (a module's settings), with what the file and the environment
    // said applied; assignments to it are the code's layer. Throws config_error for a bad
    // setting of that section.
    template <config_section S>
    S& section() {
        return sections.get<S>();
    }
    // A copy of the section of type S, with what the file and the environment said applied.
    template <config_section S>
    S section() const {
        return sections.get<S>();
    }

    // Applies a TOML file over this config; throws config_error (source = the path).
    void apply_file(const std::string& path);
    // Applies WEFT_* variables from `env` (name -> value) over this config. An empty value
    // means the variable is unset.
    void apply_env(const std::map<std::string, std::string>& env);
    // Applies the process environment (WEFT_*), including WEFT_CONFIG (a file, applied first).
    void apply_process_env();
    // Throws config_error (source "code") if a field, or a typed section's, is out of range.
    void validate() const;

    // The worker count this config resolves to (workers, or the usable CPUs; the latter
    // reads the affinity mask and the cgroup quota each time: a runtime resolves it once).
    std::uint32_t resolved_workers() const;
    // stall_threshold_ms with the default resolved (0: off).
    std::uint32_t resolved_stall_threshold_ms() const noexcept;

    // The defaults with the TOML file at path applied; throws config_error.
    static runtime_config from_file(const std::string& path);
    // The defaults with the process environment applied (WEFT_CONFIG, then WEFT_*); throws config_error.
    static runtime_config load();
};

// The level's name as configuration spells it ("trace" ... "off").
std::string to_string(log_level l);

// CPUs this process may run on: the affinity mask, capped by the cgroup v2 quota.
std::uint32_t available_cpus();

}  // namespace weft
