// config_sections.cpp — the sections of the modules above core, and the parsing helpers
// every section uses (so each key's errors read the same, whichever module owns it).
#include <fmt/format.h>

#include <weft/config.hpp>
#include <weft/error.hpp>

namespace weft {

namespace config_parse {

void reject(const config_value& v, const std::string& why) { throw config_error(v.source, v.name(), v.text, why); }

std::uint32_t to_uint(const config_value& v, std::uint64_t lo, std::uint64_t hi, bool power_of_two) {
    using kind = config_value::kind;
    if (v.type != kind::text && v.type != kind::integer) reject(v, "expected an integer");
    const std::string& t = v.text;
    if (t.empty() || t.size() > 19) reject(v, "expected an unsigned integer");
    std::uint64_t n = 0;
    for (char c : t) {
        if (c < '0' || c > '9') {
            if (t[0] == '-' && v.type == kind::integer) reject(v, fmt::format("must be in {}..{}", lo, hi));
            reject(v, "expected an unsigned integer");
        }
        n = n * 10 + static_cast<std::uint64_t>(c - '0');
    }
    if (n < lo || n > hi) reject(v, fmt::format("must be in {}..{}", lo, hi));
    if (power_of_two && (n & (n - 1)) != 0) reject(v, "must be a power of two");
    return static_cast<std::uint32_t>(n);
}

bool to_bool(const config_value& v) {
    using kind = config_value::kind;
    if (v.type == kind::boolean) return v.text == "true";
    if (v.type != kind::text) reject(v, "expected true or false");
    const std::string& t = v.text;
    if (t == "1" || t == "true" || t == "on" || t == "yes") return true;
    if (t == "0" || t == "false" || t == "off" || t == "no") return false;
    reject(v, "expected true/false (or 1/0, on/off, yes/no)");
}

std::string to_string(const config_value& v) {
    using kind = config_value::kind;
    if (v.type != kind::text && v.type != kind::string) reject(v, "expected a string");
    return v.text;
}

void check_uint(const std::string& name, std::uint64_t value, std::uint64_t lo, std::uint64_t hi, bool power_of_two) {
    if (value < lo || value > hi)
        throw config_error("code", name, std::to_string(value), fmt::format("must be in {}..{}", lo, hi));
    if (power_of_two && (value & (value - 1)) != 0)
        throw config_error("code", name, std::to_string(value), "must be a power of two");
}

}  // namespace config_parse

config_sections::config_sections(const config_sections& o) : pending_(o.pending_) {
    typed_.reserve(o.typed_.size());
    for (const box& b : o.typed_)
        typed_.push_back(box{b.name, b.type,
                             std::unique_ptr<void, void (*)(void*)>(b.clone(b.value.get()), b.value.get_deleter()),
                             b.clone, b.apply, b.validate});
}

config_sections& config_sections::operator=(const config_sections& o) {
    if (this != &o) *this = config_sections(o);
    return *this;
}

config_sections::box* config_sections::find(std::string_view name, const std::type_info& type) {
    for (box& b : typed_)
        if (b.name == name) {
            if (*b.type != type)
                throw error(fmt::format("weft::runtime_config: two section types are both named '{}'", name));
            return &b;
        }
    return nullptr;
}

void config_sections::adopt(std::string name, const std::type_info& type, std::unique_ptr<void, void (*)(void*)> value,
                            void* (*clone)(const void*), void (*apply)(void*, const config_value&),
                            void (*validate)(const void*)) {
    // Apply what the file and the environment said, in order; a bad one throws and the
    // section is not adopted (nor are its settings consumed).
    for (const config_value& v : pending_)
        if (v.section == name) apply(value.get(), v);
    std::erase_if(pending_, [&](const config_value& v) { return v.section == name; });
    typed_.push_back(box{std::move(name), &type, std::move(value), clone, apply, validate});
}

void config_sections::add(config_value v) {
    for (box& b : typed_)
        if (b.name == v.section) {
            b.apply(b.value.get(), v);
            return;
        }
    pending_.push_back(std::move(v));
}

void config_sections::validate() const {
    for (const box& b : typed_) b.validate(b.value.get());
}

}  // namespace weft
