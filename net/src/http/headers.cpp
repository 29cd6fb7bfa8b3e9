// headers.cpp — the owned field list (see weft/http/headers.hpp).
#include <weft/http/errors.hpp>
#include <weft/http/headers.hpp>

#include <algorithm>

namespace weft::http {
namespace {

char lower(char c) noexcept { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool tchar(char c) noexcept {
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
    return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

void check(std::string_view name, std::string_view value) {
    if (name.empty() || !std::all_of(name.begin(), name.end(), tchar))
        throw header_error("weft::http::headers: '" + std::string(name) + "' is not a valid field name");
    if (value.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos)
        throw header_error("weft::http::headers: the value of '" + std::string(name) + "' holds CR, LF or NUL");
}

}  // namespace

bool iequals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (lower(a[i]) != lower(b[i])) return false;
    return true;
}

headers::headers(std::initializer_list<std::pair<std::string_view, std::string_view>> init) {
    for (auto [n, v] : init) add(n, v);
}

void headers::add(std::string_view name, std::string_view value) {
    check(name, value);
    v_.push_back({std::string(name), std::string(value)});
}

void headers::set(std::string_view name, std::string_view value) {
    check(name, value);
    erase(name);
    v_.push_back({std::string(name), std::string(value)});
}

std::optional<std::string_view> headers::get(std::string_view name) const noexcept {
    for (const auto& f : v_)
        if (iequals(f.name, name)) return std::string_view(f.value);
    return std::nullopt;
}

std::size_t headers::erase(std::string_view name) noexcept {
    auto it = std::remove_if(v_.begin(), v_.end(), [&](const field& f) { return iequals(f.name, name); });
    auto n = static_cast<std::size_t>(v_.end() - it);
    v_.erase(it, v_.end());
    return n;
}

}  // namespace weft::http
